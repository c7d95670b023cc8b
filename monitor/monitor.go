// Package monitor re-checks onboarded companies at their registers on a
// schedule and raises an alert when something changed: the company's
// condition, name or legal form, or the onboarding person's right to
// represent it (docs/monitoring.md). The schedule, the claims and the
// per-register rate limit live in the database, so any number of replicas
// share the work and each change is reported once.
package monitor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/metrics"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

// Config is the monitoring configuration; package config reads the tagged
// fields (docs/operations.md describes them).
type Config struct {
	Enabled       bool          `env:"ONBOARDING_MONITOR" envDefault:"true"`                 // false: no company is re-checked
	Interval      time.Duration `env:"ONBOARDING_MONITOR_INTERVAL" envDefault:"720h"`        // between two checks of a company, unless its country says otherwise
	Intervals     Intervals     `env:"ONBOARDING_MONITOR_INTERVALS"`                         // per country: "EE=168h;SE=off"
	Jitter        time.Duration `env:"ONBOARDING_MONITOR_JITTER" envDefault:"24h"`           // a random delay up to this is added to every due time
	Rate          float64       `env:"ONBOARDING_MONITOR_RATE" envDefault:"1"`               // calls per second to one register, all replicas together
	WatchVerified bool          `env:"ONBOARDING_MONITOR_WATCH_VERIFIED" envDefault:"false"` // also watch verified verifications without a customer
	Key           string        `env:"ONBOARDING_MONITOR_KEY" secret:"true"`                 // HMAC key of the person codes (EE, SE); empty: no person monitoring there
	Tick          time.Duration `env:"ONBOARDING_MONITOR_TICK" envDefault:"1m"`              // how often a replica looks for due checks
}

// Intervals are per-country check intervals; 0 turns a country off.
type Intervals map[string]time.Duration

// UnmarshalText reads "CC=duration;CC=off;…".
func (iv *Intervals) UnmarshalText(b []byte) error {
	out := Intervals{}
	for item := range strings.SplitSeq(string(b), ";") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		cc, value, ok := strings.Cut(item, "=")
		cc = strings.ToUpper(strings.TrimSpace(cc))
		if !ok || len(cc) != 2 {
			return fmt.Errorf("%q: want CC=duration or CC=off, e.g. EE=168h;SE=off", item)
		}
		if value = strings.TrimSpace(value); value == "off" {
			out[cc] = 0
			continue
		}
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q: %q is not a positive duration or off", item, value)
		}
		out[cc] = d
	}
	*iv = out
	return nil
}

// String writes the form UnmarshalText reads, countries sorted.
func (iv Intervals) String() string {
	var out []string
	for cc, d := range iv {
		v := "off"
		if d > 0 {
			v = d.String()
		}
		out = append(out, cc+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// interval is country's check interval; 0: not monitored.
func (c Config) interval(country string) time.Duration {
	if d, ok := c.Intervals[country]; ok {
		return d
	}
	return c.Interval
}

// off lists the countries turned off.
func (c Config) off() []string {
	var out []string
	for cc, d := range c.Intervals {
		if d == 0 {
			out = append(out, cc)
		}
	}
	slices.Sort(out)
	return out
}

// Tuning that is not configuration.
const (
	workers     = 8                // checks one replica runs at once
	batch       = 64               // watches claimed at a time, at most a minute's worth at the rate
	enrolBatch  = 500              // verifications enrolled at a time
	lease       = 10 * time.Minute // a claimed check is due again after this, should its replica die
	backoffBase = 15 * time.Minute // an outage's first retry; doubled each time, up to the interval
)

// Registers finds the register of a country (validators.Registry).
type Registers interface {
	ForCountry(country string) (validators.Validator, bool)
}

// Monitor runs the checks.
type Monitor struct {
	cfg     Config
	store   *store.Store
	regs    Registers
	metrics *metrics.Metrics
	logger  *slog.Logger
	clock   domain.Clock
}

// New returns a monitor of s's watches on regs; m may be nil.
func New(cfg Config, s *store.Store, regs Registers, m *metrics.Metrics, logger *slog.Logger) *Monitor {
	return &Monitor{cfg: cfg, store: s, regs: regs, metrics: m, logger: logger, clock: s.Clock()}
}

// Run checks what is due every Tick until ctx is done.
func (m *Monitor) Run(ctx context.Context) {
	if !m.cfg.Enabled {
		return
	}
	tick := time.NewTicker(m.cfg.Tick)
	defer tick.Stop()
	for {
		if _, err := m.RunOnce(ctx); err != nil && ctx.Err() == nil {
			m.logger.Warn("monitoring failed; trying again next tick", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunOnce enrols the verifications newly watched, then runs every check
// due now (claimed batch by batch, so other replicas share them) and
// returns how many it ran.
func (m *Monitor) RunOnce(ctx context.Context) (int, error) {
	if err := m.enrol(ctx); err != nil {
		return 0, err
	}
	done := 0
	for ctx.Err() == nil {
		now := m.clock.Now()
		size := batch
		if m.cfg.Rate > 0 {
			size = max(1, min(batch, int(m.cfg.Rate*60)))
		}
		claim, watches, err := m.store.ClaimWatches(ctx, now, lease, size, m.cfg.off())
		if err != nil {
			return done, err
		}
		if len(watches) == 0 {
			break
		}
		slots, err := m.slots(ctx, watches)
		if err != nil {
			return done, err
		}
		checks := make([]store.Check, len(watches))
		work := make(chan int)
		var wg sync.WaitGroup
		for range min(workers, len(watches)) {
			wg.Go(func() {
				for i := range work {
					checks[i] = m.check(ctx, &watches[i], slots[i])
				}
			})
		}
		for i := range watches {
			work <- i
		}
		close(work)
		wg.Wait()
		if ctx.Err() != nil {
			return done, ctx.Err() // unfinished checks are due again after the lease
		}
		if err := m.store.FinishChecks(ctx, claim, checks); err != nil {
			return done, err
		}
		m.report(checks)
		done += len(watches)
	}
	if m.metrics != nil {
		backlog, err := m.store.DueWatches(ctx, m.clock.Now())
		if err == nil {
			m.metrics.MonitorBacklog(backlog)
		}
	}
	return done, nil
}

// enrol starts watching the verifications that qualify, each due an
// interval after its validation (not before now) plus jitter, so that a
// first deployment over many old verifications spreads their checks.
func (m *Monitor) enrol(ctx context.Context) error {
	var after uuid.UUID
	for {
		cands, err := m.store.WatchCandidates(ctx, m.cfg.WatchVerified, after, enrolBatch)
		if err != nil || len(cands) == 0 {
			return err
		}
		after = cands[len(cands)-1].Verification
		now := m.clock.Now()
		due := make([]time.Time, len(cands))
		for i, c := range cands {
			from := now
			if c.ValidatedAt != nil && c.ValidatedAt.After(now.Add(-m.cfg.interval(c.Country))) {
				from = c.ValidatedAt.Add(m.cfg.interval(c.Country))
			}
			due[i] = from.Add(m.jitter())
		}
		if err := m.store.AddWatches(ctx, cands, due); err != nil {
			return err
		}
		if len(cands) < enrolBatch {
			return nil
		}
	}
}

func (m *Monitor) jitter() time.Duration {
	if m.cfg.Jitter <= 0 {
		return 0
	}
	return rand.N(m.cfg.Jitter)
}

// slots reserves a call slot at each watch's register (the zero time
// without a rate limit), one statement per register.
func (m *Monitor) slots(ctx context.Context, watches []store.Watch) ([]time.Time, error) {
	out := make([]time.Time, len(watches))
	if m.cfg.Rate <= 0 {
		return out, nil
	}
	spacing := time.Duration(float64(time.Second) / m.cfg.Rate)
	byMethod := map[string][]int{}
	for i, w := range watches {
		if v, ok := m.regs.ForCountry(w.Country); ok {
			byMethod[v.Method()] = append(byMethod[v.Method()], i)
		}
	}
	for method, idx := range byMethod {
		first, err := m.store.TakeSlots(ctx, method, m.clock.Now(), spacing, len(idx))
		if err != nil {
			return nil, err
		}
		for k, i := range idx {
			out[i] = first.Add(time.Duration(k) * spacing)
		}
	}
	return out, nil
}

// check asks w's register (no earlier than slot) and compares.
func (m *Monitor) check(ctx context.Context, w *store.Watch, slot time.Time) store.Check {
	now := m.clock.Now()
	interval := m.cfg.interval(w.Country)
	c := store.Check{Watch: w, Seen: w.Seen, Due: now.Add(interval + m.jitter())}
	v, ok := m.regs.ForCountry(w.Country)
	var res *validators.Result
	var err error
	if !ok {
		err = validators.Errorf(validators.CodeNoBackend, "no register is configured for %s", w.Country)
	} else if err = m.wait(ctx, slot); err == nil {
		res, err = v.Validate(ctx, validators.Request{Country: w.Country, Code: w.LegalPersonIdentifier, CompanyOnly: true,
			Person: validators.Person{FirstName: w.FirstName, LastName: w.LastName}})
	}
	seen, outage := Compare(w, res, err, m.cfg.Key)
	if outage != "" {
		c.Error = outage
		c.Due = now.Add(min(backoffBase<<min(w.Failures, 16), max(interval, backoffBase)))
	} else {
		c.Seen, c.Changes = seen.Seen, seen.Changes
	}
	return c
}

// report counts and logs the stored checks.
func (m *Monitor) report(checks []store.Check) {
	for _, c := range checks {
		if !c.Stored {
			m.logger.Warn("monitoring check not stored: its claim was taken over", "verification", c.Watch.Verification)
			continue
		}
		for _, a := range c.Alerts {
			m.logger.Info("register changed", "verification", a.Verification, "alert", a.UUID, "kind", a.Kind)
		}
		if m.metrics == nil {
			continue
		}
		outcome := metrics.CheckUnchanged
		switch {
		case c.Error != "":
			outcome = metrics.CheckRegisterError
		case len(c.Alerts) > 0:
			outcome = metrics.CheckChanged
		}
		m.metrics.MonitorCheck(outcome)
		for _, a := range c.Alerts {
			m.metrics.MonitorAlert(a.Kind)
		}
	}
}

// wait waits until slot.
func (m *Monitor) wait(ctx context.Context, slot time.Time) error {
	d := slot.Sub(m.clock.Now())
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Observed is what one check found: the new baseline and the changes.
type Observed struct {
	store.Seen
	Changes []store.Change
}

// Compare reads a register's answer (res or err) against w's baseline. An
// answer the register could not give (an outage, a configuration error, an
// open circuit, anything but "no such company") returns its code as
// outage and no changes: outages never alert. The representation is
// compared by the keyed hashes of the codes the register lists where the
// verification kept one (EE, SE, with key), else by the register's match
// of the user's account name; unknown when neither can tell.
func Compare(w *store.Watch, res *validators.Result, err error, key string) (Observed, string) {
	now := Observed{Seen: w.Seen}
	if err != nil {
		if validators.ErrorCode(err) != validators.CodeCompanyNotFound {
			return Observed{}, string(validators.ErrorCode(err))
		}
		now.CompanyStatus = domain.NotFound
	} else {
		co := res.Company
		now.CompanyStatus = co.Status
		if co.Name != "" {
			now.CompanyName = co.Name
		}
		if co.LegalForm != "" {
			now.LegalForm = co.LegalForm
		}
		switch {
		case w.PersonCodeHMAC != "" && key != "":
			listed := slices.ContainsFunc(res.Representatives, func(code string) bool {
				return hmac.Equal([]byte(PersonHMAC(key, w.Country, code)), []byte(w.PersonCodeHMAC))
			})
			now.Represents = &listed
		case res.PersonChecked:
			authorized := res.Authorized()
			now.Represents = &authorized
		}
	}
	was := w.Seen
	add := func(kind, old, cur string) {
		if old != cur && old != "" {
			now.Changes = append(now.Changes, store.Change{Kind: kind, Old: old, New: cur})
		}
	}
	add(domain.AlertCondition, was.CompanyStatus, now.CompanyStatus)
	add(domain.AlertName, was.CompanyName, now.CompanyName)
	add(domain.AlertLegalForm, was.LegalForm, now.LegalForm)
	if was.Represents != nil && *was.Represents && now.Represents != nil && !*now.Represents {
		add(domain.AlertRepresentation, domain.Represents, domain.DoesNotRepresent)
	}
	if now.Represents == nil {
		now.Represents = was.Represents
	}
	return now, ""
}

// PersonHMAC is the keyed hash (HMAC-SHA256, hex) kept of a person's code
// in country, of its validators.PersonKey form; "" without a key or for a
// country whose register lists no codes.
func PersonHMAC(key, country, code string) string {
	k := validators.PersonKey(country, code)
	if key == "" || k == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(k))
	return hex.EncodeToString(mac.Sum(nil))
}
