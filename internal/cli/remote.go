package cli

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/batonhq/baton/client"
	"github.com/spf13/cobra"
)

// Output formats of the server commands.
const (
	outputText = "text"
	outputJSON = "json"
)

// envServer names the environment variable with the server's URL.
const envServer = "BATON_SERVER"

// remoteFlags are the flags of the commands that talk to a server.
type remoteFlags struct {
	server    string
	output    string
	namespace string
	token     string
	caCert    string
}

// envCACert names the environment variable of --ca-cert.
const envCACert = "BATON_CA_CERT"

// envToken names the environment variable with the token.
const envToken = "BATON_TOKEN"

// defaultServer is $BATON_SERVER, else the local default.
func defaultServer() string {
	if s := os.Getenv(envServer); s != "" {
		return s
	}
	return client.DefaultURL
}

// addRemoteFlags adds --server and, with output set, --output.
func addRemoteFlags(cmd *cobra.Command, f *remoteFlags, output bool) {
	cmd.Flags().StringVar(&f.server, "server", defaultServer(), "URL of the Baton server (env "+envServer+")")
	// No default shown: help must never print the token of BATON_TOKEN.
	cmd.Flags().StringVar(&f.token, "token", "", "token for a server with authentication on (env "+envToken+"; prefer the variable: a flag shows in the process list)")
	cmd.Flags().StringVar(&f.caCert, "ca-cert", os.Getenv(envCACert), "PEM file of the certificate authority (or self-signed certificate) that signed an https --server's certificate (env "+envCACert+"; default: the system's)")
	cmd.Flags().StringVarP(&f.namespace, "namespace", "n", os.Getenv(envNamespace), "namespace of the workflows named by name, and of lists (env "+envNamespace+"; default: default)")
	if output {
		cmd.Flags().StringVarP(&f.output, "output", "o", outputText, "output format: text or json")
	}
}

// client checks the flags and returns a client of the server.
func (f *remoteFlags) client() (*client.Client, error) {
	if f.output != "" && f.output != outputText && f.output != outputJSON {
		return nil, usageErr("--output must be text or json, not %q", f.output)
	}
	if f.server == "" {
		return nil, usageErr("--server is empty; give the server's URL, e.g. --server %s", client.DefaultURL)
	}
	token := f.token
	if token == "" {
		token = os.Getenv(envToken)
	}
	opts := []client.Option{client.WithToken(token)}
	if f.caCert != "" {
		hc, err := caClient(f.caCert)
		if err != nil {
			return nil, usageErr("--ca-cert %s: %v", f.caCert, err)
		}
		opts = append(opts, client.WithHTTPClient(hc))
	}
	if f.namespace != "" {
		opts = append(opts, client.WithNamespace(f.namespace))
	}
	return client.New(f.server, opts...), nil
}

// caClient is an HTTP client that trusts the certificates of a PEM file
// (and no others).
func caClient(file string) (*http.Client, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in it")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// envNamespace is the environment variable of --namespace.
const envNamespace = "BATON_NAMESPACE"

func (f *remoteFlags) json() bool { return f.output == outputJSON }

// apiErr turns an error of the client into the command's error (exit 2)
// with a hint saying what to do next.
func apiErr(f *remoteFlags, err error) error {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		if strings.Contains(err.Error(), "x509:") {
			return &exitError{code: exitInvalid, err: err,
				hint: "The server's certificate is not trusted here: give the certificate of its authority (or its self-signed certificate) with --ca-cert or " + envCACert + "."}
		}
		return &exitError{code: exitInvalid, err: err,
			hint: fmt.Sprintf("Start a server with 'baton server', or point --server (or %s) at a running one.", envServer)}
	}
	hint := ""
	switch ae.Code {
	case "StateMachineDoesNotExist":
		hint = "Deploy the workflow first: baton deploy FILE (the workflows deployed: GET /api/v1/workflows)."
	case "ExecutionDoesNotExist":
		hint = "List executions with: baton executions list --server " + f.server
	case "ActivityDoesNotExist":
		hint = "Create it with 'baton worker --activity NAME', which creates missing activities."
	case "InvalidArn":
		hint = "Give the full ARN, as 'baton executions list' prints it."
	case "ExecutionNotRedrivable":
		hint = "Only FAILED, TIMED_OUT and ABORTED Standard executions can be redriven."
	case "NotFound":
		hint = "Is " + f.server + " a Baton server, and as recent as this baton?"
	case "Unauthorized":
		hint = "Give a token with --token or " + envToken + " (an admin makes one with 'baton tokens create')."
	case "AccessDenied":
		hint = "Your token's roles do not allow this: ask an admin of the namespace ('baton tokens create --role ...')."
	}
	return &exitError{code: exitInvalid, err: ae, hint: hint}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// indentJSON returns raw JSON indented for humans.
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
}
