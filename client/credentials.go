package client

import (
	"context"
	"net/url"
	"time"
)

// WithToken makes the Client authenticate with a Baton token
// (Authorization: Bearer baton_...), as servers with authentication on
// require. An empty token sends none.
func WithToken(token string) Option {
	return func(c *Client) {
		if token != "" {
			c.header.Set("Authorization", "Bearer "+token)
		}
	}
}

// RoleGrant is a role in a namespace ("*": every namespace). Roles, weakest
// first: viewer, operator, deployer, admin; each includes the ones before.
type RoleGrant struct {
	Namespace string `json:"namespace"`
	Role      string `json:"role"`
}

// Credential is a token or an access key as the server lists it. Token and
// SecretAccessKey are set only in the answer that created it: the server
// keeps no copy it could show again.
type Credential struct {
	ID              string      `json:"id"`
	Kind            string      `json:"kind"` // "token" or "access-key"
	Name            string      `json:"name,omitempty"`
	Roles           []RoleGrant `json:"roles"`
	Created         time.Time   `json:"created"`
	Expires         *time.Time  `json:"expires,omitempty"`
	Revoked         *time.Time  `json:"revoked,omitempty"`
	LastUsed        *time.Time  `json:"lastUsed,omitempty"`
	Token           string      `json:"token,omitempty"`
	SecretAccessKey string      `json:"secretAccessKey,omitempty"`
}

// CreateCredentialInput describes a new token or access key.
type CreateCredentialInput struct {
	Name  string      `json:"name,omitempty"`
	Roles []RoleGrant `json:"roles"`
	// ExpiresIn is a number of days ("90d") or a duration ("12h"); "":
	// never.
	ExpiresIn string `json:"expiresIn,omitempty"`
}

const (
	tokensPath     = "/tokens"
	accessKeysPath = "/access-keys"
)

// CreateToken creates a token (admins only); the answer's Token is shown
// once.
func (c *Client) CreateToken(ctx context.Context, in CreateCredentialInput) (*Credential, error) {
	return c.createCredential(ctx, tokensPath, in)
}

// ListTokens lists the tokens the caller administers, revoked ones too.
func (c *Client) ListTokens(ctx context.Context) ([]Credential, error) {
	return c.listCredentials(ctx, tokensPath)
}

// RevokeToken revokes a token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) (*Credential, error) {
	return c.revokeCredential(ctx, tokensPath, id)
}

// CreateAccessKey creates an AWS access key for the Step Functions and
// EventBridge APIs (admins only); the answer's SecretAccessKey is shown
// once.
func (c *Client) CreateAccessKey(ctx context.Context, in CreateCredentialInput) (*Credential, error) {
	return c.createCredential(ctx, accessKeysPath, in)
}

// ListAccessKeys lists the access keys the caller administers.
func (c *Client) ListAccessKeys(ctx context.Context) ([]Credential, error) {
	return c.listCredentials(ctx, accessKeysPath)
}

// RevokeAccessKey revokes an access key by id.
func (c *Client) RevokeAccessKey(ctx context.Context, id string) (*Credential, error) {
	return c.revokeCredential(ctx, accessKeysPath, id)
}

func (c *Client) createCredential(ctx context.Context, path string, in CreateCredentialInput) (*Credential, error) {
	var out Credential
	if _, err := c.call(ctx, "POST", path, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) listCredentials(ctx context.Context, path string) ([]Credential, error) {
	var out struct {
		Items []Credential `json:"items"`
	}
	if _, err := c.call(ctx, "GET", path, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

func (c *Client) revokeCredential(ctx context.Context, path, id string) (*Credential, error) {
	var out Credential
	if _, err := c.call(ctx, "DELETE", path+"/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
