// Package apiclient is a Go client generated from docs/openapi.yaml by oapi-codegen (pinned as a tool
// in go.mod; make docs regenerates client.gen.go). api/client_test.go drives the workflow through it,
// so a spec that generated clients cannot use fails the tests.
package apiclient
