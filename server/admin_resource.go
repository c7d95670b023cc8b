package server

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
)

// resource is one resource of the admin API, where staff configure
// checklists and support users read (the access table says who may call
// what): how to read, render, store and delete one of its rows. Its
// methods are every resource's create, retrieve, update (PUT, and PATCH
// through putBody) and destroy. Lists stay with their resources: their
// filters differ.
type resource[Row, Req, Out any] struct {
	get    func(ctx context.Context, id uuid.UUID) (*Row, error)
	render func(ctx context.Context, row *Row) (Out, error)
	// save checks req as a whole and stores it: a new row when old is
	// nil, else over old.
	save   func(ctx context.Context, req *Req, old *Row) (*Row, error)
	remove func(ctx context.Context, id uuid.UUID) error
}

func (r resource[Row, Req, Out]) create(ctx context.Context, req *Req) (Out, error) {
	row, err := r.save(ctx, req, nil)
	if err != nil {
		var none Out
		return none, err
	}
	return r.render(ctx, row)
}

func (r resource[Row, Req, Out]) retrieve(ctx context.Context, id uuid.UUID) (Out, error) {
	row, err := r.get(ctx, id)
	if err != nil {
		var none Out
		return none, err
	}
	return r.render(ctx, row)
}

// update replaces a row (put) or changes the fields a PATCH names (patch),
// checked as a whole like a PUT.
func (r resource[Row, Req, Out]) update(ctx context.Context, id uuid.UUID, put *Req, patch map[string]json.RawMessage) (Out, error) {
	var none Out
	old, err := r.get(ctx, id)
	if err != nil {
		return none, err
	}
	current, err := r.render(ctx, old)
	if err != nil {
		return none, err
	}
	if put, err = putBody(put, patch, current); err != nil {
		return none, err
	}
	row, err := r.save(ctx, put, old)
	if err != nil {
		return none, err
	}
	return r.render(ctx, row)
}

// putBody is the PUT body R of an edit: put itself, or for a PATCH the
// patch's fields laid over current (the object as the API renders it). So
// PATCH and PUT share one path and one set of checks: a field left out keeps
// its value, null clears a nullable one.
func putBody[R any](put *R, patch map[string]json.RawMessage, current any) (*R, error) {
	if put != nil {
		return put, nil
	}
	merged := map[string]json.RawMessage{}
	raw, err := json.Marshal(current)
	if err == nil {
		err = json.Unmarshal(raw, &merged)
	}
	if err != nil {
		return nil, err
	}
	maps.Copy(merged, patch)
	if raw, err = json.Marshal(merged); err != nil {
		return nil, err
	}
	var r R
	if err := json.Unmarshal(raw, &r); err != nil {
		// The request validator checked the patch's types; this is a safety net.
		return nil, domain.Errorf(domain.EInvalid, "Request body is not valid: %v", err)
	}
	return &r, nil
}

// decodeAny decodes JSON (nil when empty or invalid), numbers as
// json.Number so that they keep every digit.
func decodeAny(raw []byte) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}
