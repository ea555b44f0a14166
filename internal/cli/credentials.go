package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/client"
	"github.com/batonhq/baton/internal/auth"
	"github.com/batonhq/baton/internal/server"
)

// credentialKind is what differs between `baton tokens` and `baton
// access-keys`.
type credentialKind struct {
	use, noun string
	create    func(*client.Client, context.Context, client.CreateCredentialInput) (*client.Credential, error)
	list      func(*client.Client, context.Context) ([]client.Credential, error)
	revoke    func(*client.Client, context.Context, string) (*client.Credential, error)
	show      func(cmd *cobra.Command, c *client.Credential)
}

var tokenKind = credentialKind{
	use: "tokens", noun: "token",
	create: (*client.Client).CreateToken, list: (*client.Client).ListTokens, revoke: (*client.Client).RevokeToken,
	show: func(cmd *cobra.Command, c *client.Credential) {
		fmt.Fprintf(cmd.OutOrStdout(), "%s\n", c.Token)
		fmt.Fprintf(cmd.ErrOrStderr(), "created token %s (%s); it is shown only now: give it as BATON_TOKEN (or --token)\n", c.ID, grantsText(c.Roles))
	},
}

var accessKeyKind = credentialKind{
	use: "access-keys", noun: "access key",
	create: (*client.Client).CreateAccessKey, list: (*client.Client).ListAccessKeys, revoke: (*client.Client).RevokeAccessKey,
	show: func(cmd *cobra.Command, c *client.Credential) {
		fmt.Fprintf(cmd.OutOrStdout(), "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n", c.ID, c.SecretAccessKey)
		fmt.Fprintf(cmd.ErrOrStderr(), "created access key %s (%s); the secret is shown only now\n", c.ID, grantsText(c.Roles))
	},
}

func newTokensCmd() *cobra.Command { return newCredentialsCmd(tokenKind) }

func newAccessKeysCmd() *cobra.Command { return newCredentialsCmd(accessKeyKind) }

func newCredentialsCmd(k credentialKind) *cobra.Command {
	long := map[string]string{
		"tokens": `Tokens authenticate the CLI, workers, the UI and programs on the native API
(Authorization: Bearer baton_<id>_<secret>) of a server with authentication
on. Each holds roles per namespace: viewer (read), operator (start, stop,
redrive, send task results), deployer (deploy and delete), admin (tokens,
keys); each role includes the ones before it. The server keeps only a hash:
a token is shown once, at creation. Only admins manage tokens, within the
namespaces they administer (see docs/security.md).`,
		"access-keys": `Access keys authenticate AWS SDKs and the AWS CLI on the Step Functions and
EventBridge APIs (AWS Signature Version 4, verified as AWS does). The secret
is shown once; the server keeps it encrypted under its key (--secret-key),
as SigV4 needs it to check signatures. Only admins manage them.`,
	}[k.use]
	cmd := &cobra.Command{
		Use:   k.use,
		Short: "Create, list and revoke the " + k.noun + "s of a server",
		Long:  long,
		Example: strings.ReplaceAll(`  baton KIND create --namespace team-a --role operator --name ci --expires 90d
  baton KIND create --role team-a:deployer --role team-b:viewer
  baton KIND list
  baton KIND revoke ID`, "KIND", k.use),
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	cmd.AddCommand(newCredentialCreateCmd(k), newCredentialListCmd(k), newCredentialRevokeCmd(k))
	if k.use == tokenKind.use {
		cmd.AddCommand(newRecoverAdminCmd())
	}
	return cmd
}

func newRecoverAdminCmd() *cobra.Command {
	var dataDir, storeURL string
	cmd := &cobra.Command{
		Use:   "recover-admin --data-dir DIR",
		Short: "Make a new admin token in a stopped server's data directory (every admin token lost)",
		Long: `recover-admin is for an operator who lost every admin token: with the server
stopped (the data directory's lock is taken; a running server refuses it),
it writes a new token with the admin role on every namespace into the
database and prints it once. Run it as the user that owns the data
directory; revoke the token once new admins have theirs. A server on
PostgreSQL is found by its --store (BATON_STORE); it must be stopped too
(the database's node lock is taken).`,
		Example: `  systemctl stop baton
  sudo -u baton baton tokens recover-admin --data-dir /var/lib/baton
  BATON_STORE=postgres://baton:PASSWORD@db.example.com/baton baton tokens recover-admin
  systemctl start baton`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tok, err := server.RecoverAdmin(context.Background(), dataDir, storeURL)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			fmt.Fprintln(cmd.ErrOrStderr(), "created an admin token for every namespace; it is shown only now: give it as BATON_TOKEN, and revoke it once new admins have theirs")
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", envOr("BATON_DATA_DIR", "./baton-data"), "the data directory of the (stopped) server")
	cmd.Flags().StringVar(&storeURL, "store", envOr("BATON_STORE", "sqlite"), "the (stopped) server's --store: sqlite, or its PostgreSQL URL")
	return cmd
}

func newCredentialCreateCmd(k credentialKind) *cobra.Command {
	var f remoteFlags
	var roles []string
	var name, expires string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a " + k.noun + " (shown once)",
		Long: `Create makes a ` + k.noun + ` with the roles given: --role ROLE holds in the
namespace of --namespace (BATON_NAMESPACE); --role NS:ROLE in NS ("*:ROLE"
in every namespace). The secret goes to standard output, once; the rest to
standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := client.CreateCredentialInput{Name: name}
			if len(roles) == 0 {
				return usageErr("give at least one role: --namespace NS --role ROLE, or --role NS:ROLE (roles: viewer, operator, deployer, admin)")
			}
			for _, r := range roles {
				g, err := auth.ParseGrant(r, f.namespace)
				if err != nil {
					return usageErr("--role %s: %v", r, err)
				}
				in.Roles = append(in.Roles, client.RoleGrant{Namespace: g.Namespace, Role: g.Role})
			}
			if expires != "" {
				if _, err := server.ParseLifetime(expires); err != nil {
					return usageErr("--expires: %v", err)
				}
				in.ExpiresIn = expires
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out, err := k.create(c, context.Background(), in)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), out)
			}
			k.show(cmd, out)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&roles, "role", nil, "ROLE (in --namespace) or NS:ROLE; repeatable")
	cmd.Flags().StringVar(&name, "name", "", "a name saying who or what holds it")
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime: days (90d) or a duration (12h); default: never")
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newCredentialListCmd(k credentialKind) *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the " + k.noun + "s you administer, revoked ones too",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			all, err := k.list(c, context.Background())
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				if all == nil {
					all = []client.Credential{}
				}
				return printJSON(cmd.OutOrStdout(), all)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tROLES\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
			for _, x := range all {
				status := "active"
				switch {
				case x.Revoked != nil:
					status = "revoked " + x.Revoked.Local().Format(time.DateTime)
				case x.Expires != nil && time.Now().After(*x.Expires):
					status = "expired"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, orDash(x.Name), grantsText(x.Roles),
					x.Created.Local().Format(time.DateTime), timeOrDash(x.Expires), timeOrDash(x.LastUsed), status)
			}
			return w.Flush()
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func newCredentialRevokeCmd(k credentialKind) *cobra.Command {
	var f remoteFlags
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a " + k.noun + ": it is refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			// A whole token pasted: its id is the part after baton_.
			if tid, _, err := auth.ParseToken(id); err == nil {
				id = tid
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			out, err := k.revoke(c, context.Background(), id)
			if err != nil {
				return apiErr(&f, err)
			}
			if f.json() {
				return printJSON(cmd.OutOrStdout(), out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s %s\n", k.noun, out.ID)
			return nil
		},
	}
	addRemoteFlags(cmd, &f, true)
	return cmd
}

func grantsText(gs []client.RoleGrant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.Namespace + ":" + g.Role
	}
	return strings.Join(parts, ",")
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}
