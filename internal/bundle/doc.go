// Package bundle packs a pipeline project directory into a bundle, the unit
// `baton deploy DIR` sends to the server and the server stores
// content-addressed: every run uses the files of the version it started
// with, wherever it runs.
//
// A bundle is a set of regular files with relative slash-separated names and
// two modes (0644, 0755). Its digest is a SHA-256 of that content alone
// (names, modes, bytes), not of the archive's bytes, so the same project
// always has the same digest. On the wire it is a gzipped tar archive.
// Decoding treats the archive as hostile: names that escape the project,
// links, devices, duplicate names, and archives that expand past the limits
// are refused with an error that names the entry.
package bundle
