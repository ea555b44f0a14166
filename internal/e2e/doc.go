// Package e2e holds end-to-end tests of the real `baton server` binary.
//
// TestMain builds ./cmd/baton once into a temporary directory; each test
// starts its own server on a free port with its own data directory and talks
// to it only through the AWS SDK for Go v2 Step Functions client, as a user
// would. There is no non-test code here.
//
//   - sdk_test.go drives the Step Functions API through the SDK: state
//     machines, versions and aliases, executions with Pass, Wait, baton:shell
//     and Choice states, history paging, activity workers, task-token
//     callbacks, stop, redrive, StartSyncExecution, the typed errors the SDK
//     recognises, and a SIGTERM restart in the middle of a Wait (~5 s).
//   - crash_test.go starts 300 mixed executions (shell tasks with Retry, Wait,
//     Parallel, inline Map, activities answered by workers in the test,
//     callbacks answered from the history), SIGKILLs the server four times
//     while they run, restarts it on the same data directory, and checks that
//     every execution succeeds with a gap-free history and no transition
//     twice, then kills it once more and checks that no ended execution
//     changes (~8 s on two cores, with the default durability "full").
//     TestCrashSoak runs a longer variant (2,000 executions, 16 kills, some
//     while the server recovers; ~25 s) only with -baton.soak or BATON_SOAK=1.
//   - cluster_test.go runs three nodes of a cluster (--cluster) on one
//     PostgreSQL database under the crash load: a kill -9, a restart and a
//     cut from the database (pgtest.Proxy) of the nodes; every execution
//     once, schedule and trigger runs once, and, through audit triggers in
//     the database, every write by its partition's lease holder (~25 s).
//   - checks_test.go makes sure those history checks reject broken histories.
//
// Environment: BATON_E2E_RACE=1 builds the server binary with -race (its
// data races then fail the test through its stderr); BATON_E2E_VERBOSE=1
// prints the servers' logs even when the tests pass; BATON_E2E_DURABILITY=relaxed
// runs the crash tests with that --durability instead of the default "full".
//
// The whole package takes ~20 s with -race, building the binary included
// (~35 s with BATON_E2E_RACE=1). Run: go test -race ./internal/e2e/ (add
// -run TestSDK or -run TestCrash).
package e2e
