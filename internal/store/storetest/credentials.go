package storetest

import "github.com/batonhq/baton/internal/store"

var credentialTests = []test{
	{"CreateGetListRevokeTouch", func(e *env) {
		got, err := e.s.ListCredentials(e.ctx, "")
		e.ok(err, "ListCredentials")
		e.equal(len(got), 0, "credentials of a new store")
		tok := &store.Credential{ID: "t1", Kind: store.CredentialToken, Name: "ci", Secret: []byte{1, 2, 3},
			Roles:   []store.RoleGrant{{Namespace: "team-a", Role: "operator"}, {Namespace: "team-b", Role: "viewer"}},
			Created: at(1), Expires: at(100)}
		key := &store.Credential{ID: "AKIA1", Kind: store.CredentialAccessKey, Secret: []byte{9, 8},
			Roles: []store.RoleGrant{{Namespace: "*", Role: "admin"}}, Created: at(2)}
		e.ok(e.s.CreateCredential(e.ctx, key), "CreateCredential of a key")
		e.ok(e.s.CreateCredential(e.ctx, tok), "CreateCredential of a token")
		e.is(e.s.CreateCredential(e.ctx, &store.Credential{ID: "t1", Kind: store.CredentialAccessKey, Secret: []byte{0}, Created: at(3)}), store.ErrExists, "an id taken")
		one, err := e.s.GetCredential(e.ctx, "t1")
		e.ok(err, "GetCredential")
		e.equal(one, tok, "a token read back")
		_, err = e.s.GetCredential(e.ctx, "nope")
		e.is(err, store.ErrNotFound, "GetCredential of an unknown id")

		e.ok(e.s.TouchCredential(e.ctx, "t1", at(5)), "TouchCredential")
		e.ok(e.s.RevokeCredential(e.ctx, "t1", at(6)), "RevokeCredential")
		e.ok(e.s.RevokeCredential(e.ctx, "t1", at(7)), "RevokeCredential again")
		e.is(e.s.RevokeCredential(e.ctx, "nope", at(7)), store.ErrNotFound, "RevokeCredential of an unknown id")
		e.is(e.s.TouchCredential(e.ctx, "nope", at(7)), store.ErrNotFound, "TouchCredential of an unknown id")
		tok.LastUsed, tok.Revoked = at(5), at(6)

		e.s = e.reopen()
		got, err = e.s.ListCredentials(e.ctx, "")
		e.ok(err, "ListCredentials after reopening")
		e.equal(got, []*store.Credential{tok, key}, "every credential, by Created")
		got, err = e.s.ListCredentials(e.ctx, store.CredentialAccessKey)
		e.ok(err, "ListCredentials of keys")
		e.equal(got, []*store.Credential{key}, "the access keys")
	}},
}
