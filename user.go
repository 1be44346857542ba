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

	"crm/apierr"
	"crm/auth"
	"crm/config"
	"crm/models/staff"
)

func userCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "list" {
		return listUsers(ctx, cfg, log, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "add" {
		return usageError{"user: the subcommands are add and list"}
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
	case !staff.ValidUsername(*username):
		return usageError{"user add: --username must be 3-32 letters, digits, '_', '.' or '-'"}
	case !staff.ValidNewPassword(*password):
		return usageError{fmt.Sprintf("user add: the password must be %d-%d bytes", staff.MinNewPasswordBytes, staff.MaxPasswordBytes)}
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
	hash, err := auth.HashPassword(*password, cfg.Auth.BcryptCost)
	if err != nil {
		return err
	}
	user, err := staff.CreateUser(ctx, db, staff.NewUser{
		Username: *username, DisplayName: *displayName, PasswordHash: hash, RoleKey: *role,
	})
	switch {
	case errors.Is(err, staff.ErrUsernameTaken):
		return fmt.Errorf("username %q is already taken", *username)
	case errors.Is(err, staff.ErrUnknownRole):
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

// listUsers is `crm user list [--legacy-hash]`.
func listUsers(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	legacyOnly := fs.Bool("legacy-hash", false, "only accounts still on an imported md5 hash")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{"user list: the only option is --legacy-hash"}
	}
	db, err := openExisting(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	var users []staff.User
	if *legacyOnly {
		users, err = staff.LegacyHashUsers(ctx, db)
	} else {
		users, err = staff.AllUsers(ctx, db)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-6s %-32s %-12s %-8s %s\n", "id", "username", "role", "enabled", "password")
	for _, u := range users {
		enabled, scheme := "yes", "bcrypt"
		if !u.Enabled {
			enabled = "no"
		}
		if u.PasswordScheme == staff.SchemeLegacyMD5 {
			scheme = "legacy md5 (reset advised)"
		}
		fmt.Fprintf(stdout, "%-6d %-32s %-12s %-8s %s\n", u.ID, u.Username, u.Role.Key, enabled, scheme)
	}
	return nil
}
