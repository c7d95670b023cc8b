// Package config reads the whole service's configuration from the
// environment, once, into one typed value that cmd/onboarding passes down.
// The variables are the env tags of Config and of the structs it holds;
// docs/operations.md's Configuration table describes each, and a test
// holds that table to these tags.
package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
)

// Config is everything the service reads from its environment.
type Config struct {
	DatabaseURL string `env:"ONBOARDING_DATABASE_URL" envDefault:"sqlite://onboarding.db"`
	Sandbox     bool   `env:"ONBOARDING_SANDBOX" envDefault:"false"`
	Server      server.Config
	Pool        store.Pool
}

// Variable is one environment variable the service reads.
type Variable struct {
	Name    string
	Default string // "" when none: the variable is off, or its default depends on the database
}

// Variables lists every variable of Config, in declaration order.
func Variables() []Variable {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		panic(err) // Config's tags are wrong: every test fails
	}
	vars := make([]Variable, len(params))
	for i, p := range params {
		vars[i] = Variable{Name: p.Key, Default: p.DefaultValue}
	}
	return vars
}

// Load reads Config from getenv; an empty value counts as unset. A number
// or duration must be positive, a flag true or false; the error names the
// variable.
func Load(getenv func(string) string) (Config, error) {
	environment := map[string]string{}
	for _, v := range Variables() {
		if value := getenv(v.Name); value != "" {
			environment[v.Name] = value
		}
	}
	var cfg Config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environment}); err != nil {
		return cfg, err
	}
	values := fields(reflect.ValueOf(&cfg).Elem())
	var errs []error
	for name := range environment {
		if !positive(values[name]) {
			errs = append(errs, fmt.Errorf("%s: %q must be positive", name, environment[name]))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	cfg.Pool.Timeout = cfg.Server.DBTimeout
	return cfg, nil
}

func positive(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int64: // time.Duration too
		return v.Int() > 0
	}
	return true
}

// Print writes every variable with its effective value, one "NAME=value"
// line each (empty: unset, off, or the database's default), the database
// password masked.
func Print(w io.Writer, cfg Config) error {
	values := fields(reflect.ValueOf(cfg))
	for _, v := range Variables() {
		value := values[v.Name]
		shown := fmt.Sprint(value.Interface())
		switch {
		case value.Kind() == reflect.Slice:
			shown = strings.Join(value.Interface().([]string), ";")
		case v.Name == "ONBOARDING_DATABASE_URL":
			shown = maskPassword(value.String())
		case value.IsZero() && value.Kind() != reflect.Bool:
			shown = ""
		}
		if _, err := fmt.Fprintf(w, "%s=%s\n", v.Name, shown); err != nil {
			return err
		}
	}
	return nil
}

// fields maps each env-tagged field of the struct v (and of the structs it
// holds) to its value.
func fields(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if name, tagged := field.Tag.Lookup("env"); tagged {
			out[name] = v.Field(i)
		} else if field.Type.Kind() == reflect.Struct {
			maps.Copy(out, fields(v.Field(i)))
		}
	}
	return out
}

// maskPassword hides the password of a database URL, in its user part or
// its query (lib/pq takes both).
func maskPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "*****" // cannot tell where a password would be
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "*****")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "*****")
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A%2A%2A", "*****")
}
