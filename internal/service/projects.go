package service

// Projects: pipeline projects deployed as bundles. A bundle (the project's
// files, content-addressed) is uploaded once; a deploy names it, and the
// workflow of its pipeline.yaml gets a new version that keeps the bundle,
// so each run works with the files of the version it started with.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/batonhq/baton/asl"
	"github.com/batonhq/baton/internal/apierr"
	"github.com/batonhq/baton/internal/bundle"
	"github.com/batonhq/baton/internal/notify"
	"github.com/batonhq/baton/internal/pipeline"
	"github.com/batonhq/baton/internal/store"
)

// PutBundleOutput describes a stored bundle.
type PutBundleOutput struct {
	Digest  string `json:"digest"`
	Size    int64  `json:"size"`  // bytes of the files
	Files   int    `json:"files"` // number of files
	Created bool   `json:"created"`
	// Pipeline is the name of the project's pipeline.
	Pipeline string `json:"pipeline"`
}

// BundleLimits are the bounds of a bundle the server takes.
func (s *Service) BundleLimits() bundle.Limits { return s.cfg.Bundles }

// PutBundle reads a bundle (a gzipped tar, as baton deploy sends) from r,
// checks that it is a valid pipeline project, and stores it. The same
// files stored before answer Created false. r is read through once: the
// encoded bundle is never held whole.
func (s *Service) PutBundle(ctx context.Context, r io.Reader) (*PutBundleOutput, error) {
	// The upload is read whole first (bounded by the caller: the body
	// limit and budget), so that a slow uploader holds no decode slot.
	gz, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	release, err := s.bundleSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	b, err := bundle.Decode(bytes.NewReader(gz), s.cfg.Bundles)
	if err != nil {
		if errors.Is(err, bundle.ErrTooLarge) {
			return nil, &apierr.Error{Code: apierr.ValidationException, Status: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("%v; leave out what runs do not need with .batonignore, or raise the limit with baton server --max-bundle-bytes (BATON_MAX_BUNDLE_BYTES)", err)}
		}
		return nil, apierr.New(apierr.ValidationException, "the bundle cannot be read: %v; send a project as baton deploy DIR does (a gzipped tar)", err)
	}
	p, err := checkProject(b)
	if err != nil {
		return nil, err
	}
	row := &store.Bundle{Digest: b.Digest(), Size: b.Size(), Created: s.now(), Data: b.Bytes()}
	created, err := s.store.PutBundle(ctx, row)
	if err != nil {
		return nil, storeErr(err, nil)
	}
	return &PutBundleOutput{Digest: row.Digest, Size: b.Size(), Files: len(b.Files), Created: created, Pipeline: p.pl.Name}, nil
}

// maxBundleWork is how many bundles are decoded at once. A bundle's files
// may take --max-bundle-bytes in memory however small its upload (gzip
// packs a megabyte of zeros in a kilobyte), so the body budget alone does
// not bound them: uploads past this wait for a slot.
const maxBundleWork = 2

// bundleSlot waits for a slot to decode a bundle in, while ctx lasts.
func (s *Service) bundleSlot(ctx context.Context) (func(), error) {
	select {
	case s.bundleSlots <- struct{}{}:
		return func() { <-s.bundleSlots }, nil
	case <-ctx.Done():
		return nil, &apierr.Error{Code: apierr.ServiceUnavailable, Status: http.StatusServiceUnavailable,
			Message: fmt.Sprintf("the server is busy with other deploys (%d at a time); retry shortly", maxBundleWork)}
	}
}

// GetBundle returns a stored bundle, encoded. The caller must call release
// once done with the bytes: a bundle may be tens of MB, so downloads share
// the decode slots.
func (s *Service) GetBundle(ctx context.Context, digest string) ([]byte, func(), error) {
	if err := checkDigest(digest); err != nil {
		return nil, nil, err
	}
	release, err := s.bundleSlot(ctx)
	if err != nil {
		return nil, nil, err
	}
	row, err := s.store.GetBundle(ctx, digest)
	if err != nil {
		release()
		return nil, nil, storeErr(err, func() error {
			return apierr.New(apierr.ResourceNotFound, "Bundle Does Not Exist: %s (upload it with POST /api/v1/bundles, or baton deploy DIR)", digest)
		})
	}
	return row.Data, release, nil
}

// checkDigest checks the form of a bundle digest.
func checkDigest(d string) error {
	hexPart, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hexPart) != 64 || strings.Trim(hexPart, "0123456789abcdef") != "" {
		return apierr.New(apierr.ValidationException, "bundle %q: a bundle is named by its digest, \"sha256:\" and 64 lowercase hex digits, as POST /api/v1/bundles answers", d)
	}
	return nil
}

// project is a checked pipeline project: what its workflow stores.
type project struct {
	pl         *pipeline.Pipeline
	language   string // pipeline, or asl for a pipeline whose body is a state machine
	definition string // pipeline.yaml's text, or the body's
}

// checkProject finds the project's pipeline file and checks it as the
// server would run it: parsed and validated with the project's files, and
// compiled, so that a step naming a file the bundle lacks is refused now.
func checkProject(b *bundle.Bundle) (*project, error) {
	var file string
	var src []byte
	for _, name := range pipeline.DirFiles {
		if data, ok := b.File(name); ok {
			file, src = name, data
			break
		}
	}
	if file == "" {
		return nil, apierr.New(apierr.InvalidDefinition, "Invalid Pipeline: the bundle has no %s at its top; deploy a project directory that holds one (baton init NAME makes one)", pipeline.DefaultFile)
	}
	files := bundleFiles(b)
	pl, err := pipeline.ParseFS(bundleFS{b}, file, src)
	if err != nil {
		return nil, invalidPipeline(err)
	}
	p := &project{pl: pl, language: pipeline.LanguageName, definition: string(src)}
	if pl.Body != nil {
		p.language, p.definition = asl.LanguageName, string(pl.Body.Source)
		return p, nil
	}
	if _, err := pipeline.CompileParsed(pl, pipeline.Options{}, files); err != nil {
		return nil, invalidPipeline(err)
	}
	return p, nil
}

// invalidPipeline is the API error of a pipeline that does not validate.
func invalidPipeline(err error) error {
	var ve *pipeline.ValidationError
	if errors.As(err, &ve) {
		lines := make([]string, len(ve.Diagnostics))
		for i, d := range ve.Diagnostics {
			lines[i] = d.String()
		}
		return apierr.New(apierr.InvalidDefinition, "Invalid Pipeline:\n%s", strings.Join(lines, "\n"))
	}
	return apierr.New(apierr.InvalidDefinition, "Invalid Pipeline: %v", err)
}

// bundleFiles reads the files of b.
func bundleFiles(b *bundle.Bundle) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if data, ok := b.File(name); ok {
			return data, nil
		}
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
}

// bundleFS is the files of a bundle as an fs.FS (files only: what the
// pipeline parser opens).
type bundleFS struct{ b *bundle.Bundle }

func (f bundleFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, ok := f.b.File(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: path.Base(name), Reader: bytes.NewReader(data), size: int64(len(data))}, nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m, nil }
func (m *memFile) Close() error               { return nil }
func (m *memFile) Name() string               { return m.name }
func (m *memFile) Size() int64                { return m.size }
func (m *memFile) Mode() fs.FileMode          { return 0o644 }
func (m *memFile) ModTime() time.Time         { return time.Time{} }
func (m *memFile) IsDir() bool                { return false }
func (m *memFile) Sys() any                   { return nil }

// DeployPipelineInput deploys the project of a stored bundle.
type DeployPipelineInput struct {
	Bundle string `json:"bundle"` // its digest
	// Namespace deploys into that namespace ("": the pipeline's own
	// namespace field, else default); it must agree with the field.
	Namespace string `json:"namespace,omitempty"`
	// Description describes the version the deploy publishes.
	Description string `json:"description,omitempty"`
}

// Deploy results.
const (
	DeployCreated   = "CREATED"
	DeployUpdated   = "UPDATED"
	DeployUnchanged = "UNCHANGED"
)

// DeployPipelineOutput is the workflow a deploy made or changed.
type DeployPipelineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	RevisionID             string `json:"revisionId"`
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Result                 string `json:"result"` // CREATED, UPDATED or UNCHANGED
	Bundle                 string `json:"bundle"`
}

// DeployPipeline creates or updates the workflow of the pipeline in a
// stored bundle, named by its pipeline.yaml, and publishes a version of it
// that keeps the bundle. Deploying the same files again changes nothing
// and answers the version they have.
func (s *Service) DeployPipeline(ctx context.Context, in *DeployPipelineInput) (*DeployPipelineOutput, error) {
	if err := required(field{"bundle", in.Bundle}); err != nil {
		return nil, err
	}
	if err := checkDigest(in.Bundle); err != nil {
		return nil, err
	}
	if len(in.Description) > 256 {
		return nil, validationErrors([]string{"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"})
	}
	row, err := s.store.GetBundle(ctx, in.Bundle)
	if err != nil {
		return nil, storeErr(err, func() error {
			return apierr.New(apierr.ResourceNotFound, "Bundle Does Not Exist: %s (upload it first with POST /api/v1/bundles; baton deploy DIR does both)", in.Bundle)
		})
	}
	release, err := s.bundleSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	b, err := bundle.Decode(bytes.NewReader(row.Data), s.cfg.Bundles)
	if err != nil {
		return nil, apierr.New(apierr.ValidationException, "bundle %s cannot be read back: %v", in.Bundle, err)
	}
	p, err := checkProject(b)
	if err != nil {
		return nil, err
	}
	if set := notify.FromPipeline(p.pl.Notifications); set != nil {
		if err := s.checkTargets(set); err != nil {
			return nil, apierr.New(apierr.InvalidDefinition, "Invalid Pipeline: %s", strings.TrimPrefix(err.Error(), apierr.ValidationException+": "))
		}
	}
	name := p.pl.Name
	if err := checkName("state machine", name); err != nil {
		return nil, err
	}
	ns := in.Namespace
	switch {
	case ns == "":
		ns = p.pl.Namespace
	case p.pl.Namespace != "" && p.pl.Namespace != ns:
		return nil, apierr.New(apierr.ValidationException, "pipeline %s says namespace %q, the deploy %q: deploy it to its own namespace, or change its namespace field", name, p.pl.Namespace, ns)
	}
	account, err := s.namespaceAccount(ctx, ns)
	if err != nil {
		return nil, err
	}
	if err := s.checkGrants(ctx, cmp.Or(ns, DefaultNamespace), p.pl); err != nil {
		return nil, err
	}
	typ := typeOr(p.pl.Type)
	if p.language == asl.LanguageName {
		if err := s.checkDefinition(p.definition, typ); err != nil {
			return nil, err
		}
	}
	arn := arns{region: s.cfg.Region, account: account}.stateMachine(name)
	out := &DeployPipelineOutput{StateMachineArn: arn, Name: name, Bundle: in.Bundle}
	now := s.now()
	sm, err := s.store.GetStateMachine(ctx, arn)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sm = &store.StateMachine{Arn: arn, Name: name, Type: typ, Language: p.language, Definition: p.definition,
			Bundle: in.Bundle, RevisionID: s.cfg.NewID(), CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreateStateMachine(ctx, sm); err != nil {
			return nil, storeErr(err, func() error {
				return apierr.New(apierr.ConflictException, "workflow %s was created by another call meanwhile; deploy again", name)
			})
		}
		out.Result = DeployCreated
	case err != nil:
		return nil, storeErr(err, nil)
	case sm.Bundle == "":
		return nil, apierr.New(apierr.StateMachineAlreadyExists,
			"State Machine Already Exists: %s is a state machine deployed without a project; delete it first (baton workflows delete %s) or rename the pipeline", arn, name)
	case sm.Type != typ:
		return nil, apierr.New(apierr.ValidationException,
			"workflow %s is of type %s: its type cannot change; delete it first (baton workflows delete %s) or deploy under another name", name, sm.Type, name)
	case sm.Bundle == in.Bundle && sm.Definition == p.definition && sm.Language == p.language:
		out.Result = DeployUnchanged
	default:
		sm.Language, sm.Definition, sm.Bundle = p.language, p.definition, in.Bundle
		sm.RevisionID, sm.UpdatedAt = s.cfg.NewID(), now
		if err := s.store.UpdateStateMachine(ctx, sm); err != nil {
			return nil, storeErr(err, stateMachineNotFound(arn))
		}
		out.Result = DeployUpdated
	}
	v, err := s.publish(ctx, sm, in.Description, "")
	if err != nil && out.Result == DeployUnchanged && in.Description != "" {
		// The version exists with another description: it is still the
		// version of these files.
		v, err = s.publish(ctx, sm, "", "")
	}
	if err != nil {
		return nil, err
	}
	out.RevisionID, out.StateMachineVersionArn = sm.RevisionID, v.Arn
	if out.Result != DeployUnchanged {
		s.changed()
	}
	return out, nil
}
