// Package sqlitetest helps tests damage a real SQLite database written by
// the store: fill it with executions, find the pages of a table, overwrite
// pages with random bytes.
package sqlitetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver of PagesOf

	"github.com/batonhq/baton/internal/store"
)

// PageSize is the page size of the databases Baton writes (SQLite's default).
const PageSize = 4096

// Fill stores n RUNNING Standard executions of the state machine smArn, each
// with three history events, in batches of 1,000, and returns their ARNs.
func Fill(t testing.TB, s store.Store, smArn string, n int) []string {
	t.Helper()
	ctx := context.Background()
	snap := make([]byte, 300)
	var arns []string
	var batch []*store.Transition
	for i := range n {
		name := fmt.Sprintf("fill-%08d", i)
		x := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:fill:" + name, StateMachineArn: smArn,
			Name: name, Type: store.TypeStandard, Status: "RUNNING", Input: `{"n":1}`, StartDate: time.Unix(int64(i), 0),
			Definition: `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":3600,"End":true}}}`, Snapshot: snap}
		arns = append(arns, x.Arn)
		tr := &store.Transition{Execution: x, New: true}
		for range 3 {
			tr.Events = append(tr.Events, store.Event{Type: "WaitStateEntered", Timestamp: x.StartDate,
				Body: []byte(`{"type":"WaitStateEntered","stateEnteredEventDetails":{"name":"A","input":"{\"n\":1}"}}`)})
		}
		batch = append(batch, tr)
		if len(batch) == 1000 || i == n-1 {
			if err := s.Commit(ctx, batch); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			batch = nil
		}
	}
	return arns
}

// PagesOf returns the numbers (0-based, as file offsets / PageSize) of the
// pages that hold the table or index name, read with the dbstat table.
// The database must be closed by the store (its WAL checkpointed).
func PagesOf(t testing.TB, path, name string) []int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT pageno FROM dbstat WHERE name = ?`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pages []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p-1) // dbstat numbers pages from 1
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatalf("%s has no pages of %q", path, name)
	}
	return pages
}

// CorruptPages overwrites count pages chosen at random among pages (all
// pages past the header page when pages is nil) with random bytes, as the
// damage reproduced in issue 8 did.
func CorruptPages(t testing.TB, path string, pages []int64, count int, seed uint64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if pages == nil {
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		for p := int64(1); p < fi.Size()/PageSize; p++ { // never page 0, the header
			pages = append(pages, p)
		}
	}
	if len(pages) == 0 {
		t.Fatalf("%s: %d pages to damage: too few", path, len(pages))
	}
	r := rand.New(rand.NewPCG(seed, 1))
	buf := make([]byte, PageSize)
	for range count {
		p := pages[r.IntN(len(pages))]
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		if _, err := f.WriteAt(buf, p*PageSize); err != nil {
			t.Fatal(err)
		}
	}
}
