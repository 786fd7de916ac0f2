// Package arch holds the architecture tests: the dependency rules of
// DESIGN.md's layout table, checked with `go list -deps` so that a package
// importing what it must not fails the build.
package arch
