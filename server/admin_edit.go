package server

import (
	"encoding/json"
	"maps"

	"github.com/onboarding-kyb/onboarding/domain"
)

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
