// Package config reads the whole service's configuration from the
// environment, once, into one typed value that cmd/onboarding passes down.
// The variables are the env tags of Config and of the structs it holds;
// docs/operations.md's Configuration table describes each, and a test
// holds that table to these tags.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

// Config is everything the service reads from its environment.
type Config struct {
	DatabaseURL string `env:"ONBOARDING_DATABASE_URL" envDefault:"sqlite://onboarding.db"`
	Sandbox     bool   `env:"ONBOARDING_SANDBOX" envDefault:"false"`
	// LogFlush is how long log lines may wait to be written, together.
	LogFlush time.Duration `env:"ONBOARDING_LOG_FLUSH" envDefault:"100ms"`
	Server   server.Config
	Pool     store.Pool
	// Registers holds each register client's settings by method, read from
	// ONBOARDING_<METHOD>_ and validators.Config's tags (docs/registers.md).
	Registers map[string]validators.Config
}

// Registry is the registry's part of the configuration.
func (c Config) Registry() validators.Settings {
	return validators.Settings{Sandbox: c.Sandbox, Clients: c.Registers}
}

// registerPrefix is the start of a register's variables' names.
func registerPrefix(method string) string { return "ONBOARDING_" + strings.ToUpper(method) + "_" }

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
	var cfg Config
	if err := parse(&cfg, "", getenv); err != nil {
		return cfg, err
	}
	cfg.Pool.Timeout = cfg.Server.DBTimeout
	cfg.Registers = map[string]validators.Config{}
	for _, reg := range validators.Registers() {
		var rc validators.Config
		if err := parse(&rc, registerPrefix(reg.Method), getenv); err != nil {
			return cfg, err
		}
		cfg.Registers[reg.Method] = rc
	}
	return cfg, nil
}

// parse reads into the tagged struct v the variables named by its tags
// (after prefix) that getenv sets, and checks that numbers and durations
// are positive.
func parse(v any, prefix string, getenv func(string) string) error {
	params, err := env.GetFieldParamsWithOptions(v, env.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	environment := map[string]string{}
	for _, p := range params {
		if value := getenv(p.Key); value != "" {
			environment[p.Key] = value
		}
	}
	var errs []error
	if err := env.ParseWithOptions(v, env.Options{Environment: environment, Prefix: prefix}); err != nil {
		// The library names the field; say which variable, one by one.
		for _, name := range slices.Sorted(maps.Keys(environment)) {
			probe := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			perr := env.ParseWithOptions(probe, env.Options{Environment: map[string]string{name: environment[name]}, Prefix: prefix})
			var pe env.ParseError
			if errors.As(perr, &pe) {
				errs = append(errs, fmt.Errorf("%s: %q is not valid: %w", name, environment[name], pe.Err))
			} else if perr != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, perr))
			}
		}
		return cmp.Or(errors.Join(errs...), err)
	}
	values := fields(reflect.ValueOf(v).Elem(), prefix)
	for _, name := range slices.Sorted(maps.Keys(environment)) {
		if !positive(values[name]) {
			errs = append(errs, fmt.Errorf("%s: %q must be positive", name, environment[name]))
		}
	}
	return errors.Join(errs...)
}

func positive(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int64: // time.Duration too
		return v.Int() > 0
	case reflect.Float64:
		return v.Float() > 0
	}
	return true
}

// Print writes every variable with its effective value, one "NAME=value"
// line each (empty: unset, off, or the database's default): the service's,
// then each register's. Passwords, tokens and keys are masked.
func Print(w io.Writer, cfg Config) error {
	lines := shown(reflect.ValueOf(cfg), "")
	for _, reg := range validators.Registers() {
		rc := cfg.Registers[reg.Method]
		if rc.BaseURL == "" {
			rc.BaseURL = reg.DefaultURL
		}
		lines = append(lines, shown(reflect.ValueOf(rc), registerPrefix(reg.Method))...)
	}
	for _, line := range lines {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// shown renders each tagged field of the struct v (and of the structs it
// holds) as NAME=value, in declaration order.
func shown(v reflect.Value, prefix string) []string {
	var out []string
	for i := range v.NumField() {
		field, value := v.Type().Field(i), v.Field(i)
		name, tagged := field.Tag.Lookup("env")
		if !tagged {
			if field.Type.Kind() == reflect.Struct {
				out = append(out, shown(value, prefix)...)
			}
			continue
		}
		name, _, _ = strings.Cut(name, ",")
		text := fmt.Sprint(value.Interface())
		switch {
		case value.Kind() == reflect.Slice:
			if list, ok := value.Interface().([]string); ok {
				text = strings.Join(list, field.Tag.Get("envSeparator"))
			} // else its String method, as fmt.Sprint gave it
		case value.IsZero() && value.Kind() != reflect.Bool:
			text = ""
		case field.Tag.Get("secret") == "true":
			text = "*****"
		case prefix+name == "ONBOARDING_DATABASE_URL":
			text = maskPassword(value.String())
		}
		out = append(out, prefix+name+"="+text)
	}
	return out
}

// fields maps each env-tagged field of the struct v (and of the structs it
// holds) to its value, by the variable's name.
func fields(v reflect.Value, prefix string) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if name, tagged := field.Tag.Lookup("env"); tagged {
			name, _, _ = strings.Cut(name, ",")
			out[prefix+name] = v.Field(i)
		} else if field.Type.Kind() == reflect.Struct {
			maps.Copy(out, fields(v.Field(i), prefix))
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
