// Package s3test tests the copy and wait_for steps of package tasks against
// a real S3 server running in the test process: versitygw's gateway over its
// posix backend in a temporary directory. It is a package of its own because
// that backend changes the process's working directory (it serves files by
// paths relative to its root), which the other tests of package tasks must
// not see. It holds tests only.
package s3test
