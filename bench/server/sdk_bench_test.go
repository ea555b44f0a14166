package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// BenchmarkStartExecutionSDK: StartExecution through the real AWS SDK for Go
// v2 (SigV4-signed requests, the SDK's own serialisation, retries and
// middleware) from 64 concurrent goroutines sharing one client, as an
// application would. Compared with StartExecutionAPI, which posts bare JSON,
// the difference is the SDK's own cost on the same 2 cores (client and
// server share the machine).
func BenchmarkStartExecutionSDK(b *testing.B) {
	srv, c := startServer(b)
	defer srv.Shutdown(context.Background())
	arn := createMachine(b, c, "sdk-starts", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	client := sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + srv.Addr()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		HTTPClient:   &http.Client{Transport: benchTransport()},
		// Throttling retries would hide the server's own rate: count errors.
		Retryer: aws.NopRetryer{},
	})
	startConcurrently(b, func(i int64) error {
		_, err := client.StartExecution(context.Background(), &sfn.StartExecutionInput{
			StateMachineArn: aws.String(arn), Name: aws.String(fmt.Sprint("e", i)), Input: aws.String(`{"i":1}`),
		})
		return err
	})
}
