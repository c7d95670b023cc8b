// Package onboarding embeds the service's contract, openapi.yaml, so the
// binary serves and validates against exactly the file in the repository.
package onboarding

import _ "embed"

// OpenAPI is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPI []byte
