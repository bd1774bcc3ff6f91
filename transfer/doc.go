// Package transfer is the transfer flow that every face of handover calls
// (the command line, and the web console and HTTP API served from the same
// binary): upload → validate → preview → confirm → job → execute → audit,
// and undo, resume and verify of a job. It also holds the one rule of who
// may do what (Access). A face parses its input, calls this package,
// renders the result and maps errors to exit codes or HTTP statuses; it
// never re-implements a step.
package transfer
