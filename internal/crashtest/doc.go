// Package crashtest holds Coffer's crash-safety tests: the real `coffer
// serve --dev` binary is built, loaded with concurrent S3 uploads, killed
// with SIGKILL at a random moment and restarted on the same data directory,
// and then every object the server acknowledged must be there, byte for
// byte, nothing half written may be visible, and a multipart upload cut by
// the crash must finish from the parts acknowledged before it (DESIGN.md
// principle 6:
// "Nothing acknowledged is lost").
//
// The package has no code of its own outside its tests.
package crashtest
