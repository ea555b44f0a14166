// Package sfnapi serves Baton's Step Functions-compatible API: the AWS JSON
// 1.0 protocol (POST / with X-Amz-Target: AWSStepFunctions.<Operation>)
// that AWS SDKs and the AWS CLI speak, so that they work against Baton
// unchanged given an endpoint override.
//
// The adapter is thin: it decodes the request body into the operation's
// service Input type, calls the service, and encodes the Output or the
// error ({"__type": "<ExceptionName>", "message": "..."} with the
// exception's HTTP status). Requests signed with SigV4 are accepted without
// checking the signature: Baton is self-hosted and does not hold AWS
// credentials.
package sfnapi
