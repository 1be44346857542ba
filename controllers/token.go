package controllers

import (
	"strings"

	"github.com/gin-gonic/gin"

	"crm/apierr"
	"crm/auth"
	"crm/middleware"
	"crm/models/staff"
)

type TokenController struct {
	Auth *auth.Service
}

type tokenJSON struct {
	Token string `json:"token"`
}

type revokedJSON struct {
	Revoked bool `json:"revoked"`
}

// Login is POST /token. Its errors are the original document's: 40036 for
// a missing username or password, 40035 for a malformed one.
func (t TokenController) Login(c *gin.Context) (any, error) {
	username, password, err := bindLogin(c)
	if err != nil {
		return nil, err
	}
	token, err := t.Auth.Login(c.Request.Context(), username, password, clientOf(c))
	if err != nil {
		return nil, err
	}
	return tokenJSON{Token: token}, nil
}

func bindLogin(c *gin.Context) (string, string, error) {
	params := middleware.ParamsOf(c)
	username, userOK := params.Lookup("username")
	password, passOK := params.Lookup("password")
	if username.Structured || password.Structured {
		return "", "", apierr.ErrLoginInvalid
	}
	name, pass := strings.TrimSpace(username.Value), strings.TrimSpace(password.Value)
	if !userOK || !passOK || name == "" || pass == "" {
		return "", "", apierr.ErrLoginMissing
	}
	if !staff.ValidUsername(name) || !staff.ValidLoginPassword(pass) {
		return "", "", apierr.ErrLoginInvalid
	}
	return name, pass, nil
}

// Refresh is PATCH /token: the presented token, usually just expired,
// buys a new one and stops working itself.
func (t TokenController) Refresh(c *gin.Context) (any, error) {
	raw := middleware.TokenOf(c)
	if raw == "" {
		return nil, apierr.ErrNoToken
	}
	token, err := t.Auth.Refresh(c.Request.Context(), raw, clientOf(c))
	if err != nil {
		return nil, err
	}
	return tokenJSON{Token: token}, nil
}

// Logout is DELETE /token.
func (t TokenController) Logout(c *gin.Context) (any, error) {
	raw := middleware.TokenOf(c)
	if raw == "" {
		return nil, apierr.ErrNoToken
	}
	if err := t.Auth.Logout(c.Request.Context(), raw, clientOf(c)); err != nil {
		return nil, err
	}
	return revokedJSON{Revoked: true}, nil
}

func clientOf(c *gin.Context) auth.Client {
	return auth.Client{Address: c.ClientIP(), UserAgent: c.Request.UserAgent()}
}
