package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"crm/apierr"
	"crm/config"
	"crm/models"
)

func userCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"user: the only subcommand is add"}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	username := fs.String("username", "", "login name")
	password := fs.String("password", "", "initial password (8-72 bytes)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	role := fs.String("role", "", "consultant, manager or superadmin")
	displayName := fs.String("name", "", "display name (defaults to the username)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"user add: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("user add: unexpected argument %q", fs.Arg(0))}
	}
	if *passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	switch {
	case !models.ValidUsername(*username):
		return usageError{"user add: --username must be 3-32 letters, digits, '_', '.' or '-'"}
	case !models.ValidNewPassword(*password):
		return usageError{fmt.Sprintf("user add: the password must be %d-%d bytes", models.MinNewPasswordBytes, models.MaxPasswordBytes)}
	case *role == "":
		return usageError{"user add: --role is required (consultant, manager or superadmin)"}
	case len([]rune(*displayName)) > 32:
		return usageError{"user add: --name must be at most 32 characters"}
	}
	if *displayName == "" {
		*displayName = *username
	}

	db, err := openMigrated(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer closeDB(db)
	hash, err := bcrypt.GenerateFromPassword([]byte(*password), cfg.Auth.BcryptCost)
	if err != nil {
		return err
	}
	user, err := models.CreateUser(ctx, db, models.NewUser{
		Username: *username, DisplayName: *displayName, PasswordHash: string(hash), RoleKey: *role,
	})
	switch {
	case errors.Is(err, models.ErrUsernameTaken):
		return fmt.Errorf("username %q is already taken", *username)
	case errors.Is(err, models.ErrUnknownRole):
		return usageError{fmt.Sprintf("user add: no role %q (consultant, manager, superadmin, or one created by an administrator)", *role)}
	case err != nil:
		var public *apierr.Error
		if errors.As(err, &public) {
			return errors.New(public.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "created user %s (id %d, role %s)\n", user.Username, user.ID, user.Role.Key)
	return nil
}
