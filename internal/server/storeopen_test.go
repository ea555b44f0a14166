package server

import (
	"strings"
	"testing"
)

// TestRedactURL: no password of a store's URL reaches a message, whether
// in the user information, in a query parameter (libpq's password and
// sslpassword) or in a key=value connection string that --store refuses.
func TestRedactURL(t *testing.T) {
	for _, s := range []string{
		"postgres://baton:s3cret@db:5432/baton",
		"postgres://baton@db/baton?password=s3cret",
		"postgres://baton@db/baton?sslmode=require&sslpassword=s3cret&password=s3cret",
		"postgresql://db/baton?PASSWORD=s3cret",
		"host=db user=baton password=s3cret dbname=baton",
		"host=db password='s3cret with spaces' dbname=baton",
		"host=db password = s3cret",
		"postgres://baton:s3cret@db/%zz",
	} {
		got := redactURL(s)
		if strings.Contains(got, "s3cret") {
			t.Errorf("redactURL(%q) = %q: the password is shown", s, got)
		}
		if err := CheckStore(s); err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckStore(%q) = %q: the password is shown", s, err)
		}
	}
	// What is not a password stays, for the operator to recognise.
	if got := redactURL("postgres://baton@db:5432/baton?sslmode=require"); got != "postgres://baton@db:5432/baton?sslmode=require" {
		t.Errorf("redactURL changed a URL without a password: %q", got)
	}
}
