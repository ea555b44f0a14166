package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Bundle describes a project bundle stored on the server.
type Bundle struct {
	Digest   string `json:"digest"`  // "sha256:..." of its content
	Size     int64  `json:"size"`    // bytes of its files
	Files    int    `json:"files"`   // number of files
	Created  bool   `json:"created"` // false when the same files were stored before
	Pipeline string `json:"pipeline"`
}

// UploadBundle sends a project bundle (a gzipped tar, as internal/bundle
// encodes it; baton deploy DIR makes one) to the server, which checks that
// it holds a valid pipeline project and stores it by its digest. Deploy it
// with DeployBundle.
func (c *Client) UploadBundle(ctx context.Context, gz []byte) (*Bundle, error) {
	req, err := c.request(ctx, http.MethodPost, "/bundles", nil, nil)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(gz))
	req.ContentLength = int64(len(gz))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gz)), nil }
	req.Header.Set("Content-Type", "application/gzip")
	res, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out Bundle
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding the answer of POST /bundles: %w", err)
	}
	return &out, nil
}

// GetBundle downloads a stored bundle, as it was stored (gzipped tar).
func (c *Client) GetBundle(ctx context.Context, digest string) ([]byte, error) {
	req, err := c.request(ctx, http.MethodGet, "/bundles/"+url.PathEscape(digest), nil, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

// DeployBundleOutput tells what a deploy of a project did.
type DeployBundleOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	RevisionID             string `json:"revisionId"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Result                 string `json:"result"` // DeployCreated, DeployUpdated or DeployUnchanged
	Bundle                 string `json:"bundle"`
}

// DeployBundle deploys the pipeline project of an uploaded bundle: the
// workflow named by its pipeline.yaml is created or updated, and a version
// keeping the bundle is published (the existing one when nothing changed).
func (c *Client) DeployBundle(ctx context.Context, digest, description string) (*DeployBundleOutput, error) {
	var out DeployBundleOutput
	in := map[string]string{"bundle": digest}
	if description != "" {
		in["description"] = description
	}
	if _, err := c.call(ctx, http.MethodPost, "/workflows", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
