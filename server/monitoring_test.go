package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/metrics"
	"github.com/onboarding-kyb/onboarding/monitor"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
	"github.com/onboarding-kyb/onboarding/validators"
)

// fakeRegister is a register whose answers a test changes: a company per
// registration code, or an error for every call (an outage). It serves
// every country and records when it was called.
type fakeRegister struct {
	mu        sync.Mutex
	companies map[string]validators.Company
	reps      map[string][]string // registration code → representatives' codes
	outage    error
	calls     []time.Time
	codes     map[string]int                        // calls per registration code
	unknown   func(code string) *validators.Company // answers for codes not in companies (nil: not found)
}

func newFakeRegister() *fakeRegister {
	return &fakeRegister{companies: map[string]validators.Company{}, reps: map[string][]string{}, codes: map[string]int{}}
}

func (f *fakeRegister) ForCountry(string) (validators.Validator, bool) { return f, true }
func (f *fakeRegister) Method() string                                 { return "fake" }
func (f *fakeRegister) Countries() []string                            { return []string{"EE"} }
func (f *fakeRegister) PersonFields() []string                         { return nil }
func (f *fakeRegister) CheckCode(string) error                         { return nil }

func (f *fakeRegister) Validate(_ context.Context, req validators.Request) (*validators.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	f.codes[req.Code]++
	if !req.CompanyOnly {
		return nil, validators.Errorf(validators.CodeIdentityValidation, "monitoring asks about the company only")
	}
	if f.outage != nil {
		return nil, f.outage
	}
	c, ok := f.companies[req.Code]
	if !ok && f.unknown != nil {
		c, ok = *f.unknown(req.Code), true
	}
	if !ok {
		return nil, validators.Errorf(validators.CodeCompanyNotFound, "no such company")
	}
	return &validators.Result{Company: c, Representatives: f.reps[req.Code]}, nil
}

func (f *fakeRegister) set(code string, change func(c *validators.Company)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.companies[code]
	change(&c)
	f.companies[code] = c
}

func (f *fakeRegister) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// watchedCompanies creates n verified EE verifications of alice, each with
// a customer, whose companies the fake register knows as active, validated
// now; ago earlier.
func watchedCompanies(t *testing.T, a *api, reg *fakeRegister, n int, ago ...time.Duration) []*domain.Verification {
	t.Helper()
	ctx := context.Background()
	var out []*domain.Verification
	for i := range n {
		code := fmt.Sprintf("1%07d", i)
		company := validators.Company{Name: fmt.Sprintf("Company %d OÜ", i), LegalPersonIdentifier: code, Status: validators.StatusActive,
			LegalForm: "Osaühing", Registry: "fake"}
		reg.companies[code] = company
		now := a.store.Clock().Now()
		for _, d := range ago {
			now = now.Add(-d)
		}
		v := &domain.Verification{UserID: a.alice.ID, Country: "EE", LegalPersonIdentifier: code, LegalName: company.Name,
			Status: domain.StatusVerified, VerifiedCompanyData: domain.MustJSON(company), ValidatedAt: &now}
		if err := a.store.CreateVerification(ctx, v, a.alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.store.CreateCustomer(ctx, &domain.Customer{Name: company.Name, RegistrationCode: code, Country: "EE"}, v, a.alice.ID); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// monitorConfig checks every 30 days without jitter or rate limit unless
// the test says otherwise.
func monitorConfig() monitor.Config {
	return monitor.Config{Enabled: true, Interval: 720 * time.Hour, Tick: time.Minute}
}

// Two replicas watch one database: a register that turns one of N
// companies bankrupt and renames another gives exactly two alerts, two
// events and two webhook deliveries, each company checked once per
// interval; the next round finds nothing new.
func TestMonitorTwoReplicasReportEachChangeOnce(t *testing.T) {
	storetest.DialectURLs(t, func(t *testing.T, databaseURL string) {
		s1, s2 := storetest.Open(t, databaseURL), storetest.Open(t, databaseURL)
		clock := clockwork.NewFakeClockAt(time.Now())
		s1.SetClock(domain.NewClock(clock))
		s2.SetClock(domain.NewClock(clock))
		a := newAPI(t, s1, server.Config{})
		if _, err := server.New(server.Config{}, s2, registryFrom(t, sandboxEnv), quietLogger()); err != nil { // the second replica's webhook payloads
			t.Fatal(err)
		}
		hook := subscribe(t, a, newReceiver(t), []string{domain.WebhookRegisterChanged})
		reg := newFakeRegister()
		const n = 12
		vs := watchedCompanies(t, a, reg, n)
		replicas := []*monitor.Monitor{monitor.New(monitorConfig(), s1, reg, nil, quietLogger()), monitor.New(monitorConfig(), s2, reg, nil, quietLogger())}
		round := func() int {
			var wg sync.WaitGroup
			counts := make([]int, len(replicas))
			for i, m := range replicas {
				wg.Go(func() {
					n, err := m.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
					}
					counts[i] = n
				})
			}
			wg.Wait()
			return counts[0] + counts[1]
		}
		if got := round(); got != 0 || reg.callCount() != 0 {
			t.Fatalf("checks before the interval: %d, register calls %d", got, reg.callCount())
		}
		reg.set(vs[3].LegalPersonIdentifier, func(c *validators.Company) { c.Status = validators.StatusBankrupt })
		reg.set(vs[7].LegalPersonIdentifier, func(c *validators.Company) { c.Name = "Renamed AS" })
		clock.Advance(721 * time.Hour)
		if got := round(); got != n {
			t.Fatalf("%d checks, want %d", got, n)
		}
		for code, calls := range reg.codes {
			if calls != 1 {
				t.Errorf("company %s checked %d times", code, calls)
			}
		}
		r := a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?o=created", a.staffT, nil)
		wantStatus(t, r, http.StatusOK)
		var alerts []map[string]any
		r.JSON(t, &alerts)
		if len(alerts) != 2 || r.Header.Get("X-Result-Count") != "2" {
			t.Fatalf("alerts: %s", r.Body)
		}
		byVerification := map[string]map[string]any{}
		for _, al := range alerts {
			byVerification[al["verification_uuid"].(string)] = al
		}
		bankrupt, renamed := byVerification[vs[3].UUID.String()], byVerification[vs[7].UUID.String()]
		if bankrupt["kind"] != "condition" || bankrupt["old_value"] != "active" || bankrupt["new_value"] != "bankrupt" || bankrupt["state"] != "open" {
			t.Errorf("bankruptcy alert: %v", bankrupt)
		}
		if renamed["kind"] != "name" || renamed["old_value"] != "Company 7 OÜ" || renamed["new_value"] != "Renamed AS" || renamed["customer_uuid"] == nil {
			t.Errorf("rename alert: %v", renamed)
		}
		for _, v := range vs {
			var events []map[string]any
			a.do(t, http.MethodGet, "/api/onboarding-verifications/"+v.UUID.String()+"/events/", a.staffT, nil).JSON(t, &events)
			changed := 0
			for _, e := range events {
				if e["kind"] == domain.EventRegisterChanged {
					changed++
				}
			}
			want := 0
			if v == vs[3] || v == vs[7] {
				want = 1
			}
			if changed != want {
				t.Errorf("%s: %d register_changed events, want %d", v.LegalPersonIdentifier, changed, want)
			}
		}
		r = a.do(t, http.MethodGet, "/api/onboarding-webhooks/"+hook+"/deliveries/", a.staffT, nil)
		if r.Header.Get("X-Result-Count") != "2" || strings.Count(string(r.Body), `"event_kind":"customer.register_changed"`) != 2 {
			t.Fatalf("deliveries: %s %s", r.Header.Get("X-Result-Count"), r.Body)
		}

		// The next round: checked again, nothing new.
		if got := round(); got != 0 {
			t.Fatalf("%d checks before the next interval", got)
		}
		clock.Advance(721 * time.Hour)
		if got := round(); got != n {
			t.Fatalf("%d checks in the second round, want %d", got, n)
		}
		if r := a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/", a.supportT, nil); r.Header.Get("X-Result-Count") != "2" {
			t.Fatalf("alerts after an unchanged round: %s", r.Body)
		}
	})
}

// A register outage (an API error, a configuration error, an open
// circuit) never alerts, whatever changed meanwhile: the check is retried
// after a backoff, and the change is reported once the register answers.
func TestMonitorOutageRetriesWithoutAlert(t *testing.T) {
	forEachDB(t, func(t *testing.T, a *api) {
		clock := fakeClock(a.store)
		reg := newFakeRegister()
		vs := watchedCompanies(t, a, reg, 3)
		mx := metrics.New()
		m := monitor.New(monitorConfig(), a.store, reg, mx, quietLogger())
		ctx := context.Background()
		if _, err := m.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		reg.set(vs[0].LegalPersonIdentifier, func(c *validators.Company) { c.Status = validators.StatusLiquidation })
		clock.Advance(721 * time.Hour)
		for i, outage := range []error{
			validators.Errorf(validators.CodeAPIError, "register down"),
			validators.Errorf(validators.CodeConfigurationError, "credentials rejected"),
			&validators.Error{Code: validators.CodeAPIError, Message: "circuit open"},
		} {
			reg.outage = outage
			if n, err := m.RunOnce(ctx); err != nil || n != 3 {
				t.Fatalf("outage %d: %d checks, %v", i, n, err)
			}
			if n, _ := m.RunOnce(ctx); n != 0 {
				t.Fatalf("outage %d: retried at once (%d checks)", i, n)
			}
			st, err := a.store.MonitorStatus(ctx, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if st.RegisterErrors != 3 || st.Alerts[domain.AlertOpen] != 0 {
				t.Fatalf("outage %d: %+v", i, st)
			}
			clock.Advance(time.Duration(15<<i) * time.Minute) // the backoff doubles
		}
		reg.outage = nil
		if n, err := m.RunOnce(ctx); err != nil || n != 3 {
			t.Fatalf("after the outage: %d checks, %v", n, err)
		}
		r := a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?kind=condition&country=ee&state=open", a.staffT, nil)
		var alerts []map[string]any
		r.JSON(t, &alerts)
		if len(alerts) != 1 || alerts[0]["new_value"] != "liquidation" || alerts[0]["verification_uuid"] != vs[0].UUID.String() {
			t.Fatalf("alerts after the outage: %s", r.Body)
		}
		if reg.callCount() != 12 {
			t.Fatalf("%d register calls, want 12 (3 companies × 3 outages + 1 answer)", reg.callCount())
		}
		got := scrape(t, mx.Handler())
		wantMetric(t, got, `onboarding_monitor_checks_total{outcome="register_error"}`, 9)
		wantMetric(t, got, `onboarding_monitor_checks_total{outcome="changed"}`, 1)
		wantMetric(t, got, `onboarding_monitor_checks_total{outcome="unchanged"}`, 2)
		wantMetric(t, got, `onboarding_monitor_alerts_total{kind="condition"}`, 1)
		wantMetric(t, got, `onboarding_monitor_backlog`, 0)
	})
}

// Staff acknowledge and resolve alerts with a note; support reads them and
// changes nothing; other users are refused; filters select.
func TestMonitoringAlertsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, a *api) {
		clock := fakeClock(a.store)
		reg := newFakeRegister()
		vs := watchedCompanies(t, a, reg, 2)
		m := monitor.New(monitorConfig(), a.store, reg, nil, quietLogger())
		ctx := context.Background()
		m.RunOnce(ctx)
		reg.set(vs[0].LegalPersonIdentifier, func(c *validators.Company) { c.LegalForm = "Aktsiaselts" })
		delete(reg.companies, vs[1].LegalPersonIdentifier) // the register no longer knows it
		clock.Advance(721 * time.Hour)
		if _, err := m.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var alerts []map[string]any
		a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?o=-created", a.staffT, nil).JSON(t, &alerts)
		if len(alerts) != 2 {
			t.Fatalf("alerts: %v", alerts)
		}
		var gone map[string]any
		a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?kind=condition", a.supportT, nil).JSON(t, &alerts)
		if len(alerts) != 1 || alerts[0]["new_value"] != domain.NotFound {
			t.Fatalf("condition alerts: %v", alerts)
		}
		gone = alerts[0]
		id := gone["uuid"].(string)
		path := "/api/onboarding-monitoring-alerts/" + id + "/"
		wantStatus(t, a.do(t, http.MethodGet, path, "", nil), http.StatusUnauthorized)
		wantStatus(t, a.do(t, http.MethodGet, path, a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/", a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, http.MethodPost, path+"acknowledge/", a.supportT, map[string]any{"note": "x"}), http.StatusForbidden)
		wantStatus(t, a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?kind=nonsense", a.staffT, nil), http.StatusBadRequest)
		wantStatus(t, a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/00000000-0000-0000-0000-000000000001/", a.staffT, nil), http.StatusNotFound)
		r := a.do(t, http.MethodPost, path+"acknowledge/", a.staffT, map[string]any{"note": "Calling the customer."})
		wantStatus(t, r, http.StatusOK)
		if got := r.Object(t); got["state"] != "acknowledged" || got["note"] != "Calling the customer." || got["acknowledged_by"] != float64(a.staff.ID) {
			t.Fatalf("acknowledged: %v", got)
		}
		wantStatus(t, a.do(t, http.MethodPost, path+"acknowledge/", a.staffT, map[string]any{}), http.StatusConflict)
		r = a.do(t, http.MethodPost, path+"resolve/", a.staffT, map[string]any{"note": "Company merged; customer archived by hand."})
		wantStatus(t, r, http.StatusOK)
		if got := r.Object(t); got["state"] != "resolved" || got["resolved_at"] == nil {
			t.Fatalf("resolved: %v", got)
		}
		wantStatus(t, a.do(t, http.MethodPost, path+"resolve/", a.staffT, map[string]any{}), http.StatusConflict)
		a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?state=open", a.staffT, nil).JSON(t, &alerts)
		if len(alerts) != 1 || alerts[0]["kind"] != "legal_form" {
			t.Fatalf("open alerts: %v", alerts)
		}
		cust := alerts[0]["customer_uuid"].(string)
		r = a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?customer="+cust+"&page_size=1", a.staffT, nil)
		if r.Header.Get("X-Result-Count") != "1" || !strings.Contains(r.Header.Get("Link"), "customer="+cust) {
			t.Fatalf("by customer: %v %s", r.Header, r.Body)
		}
		// Nothing changes the customer automatically.
		wantStatus(t, a.do(t, http.MethodGet, "/api/customers/"+cust+"/", a.staffT, nil), http.StatusOK)
	})
}

// With ONBOARDING_MONITOR_KEY, run_validation keeps only the keyed hash of
// an EE person's code: no code or birth date is in any row afterwards,
// and monitoring tells from the hashes whether the register still lists
// the person among the representatives.
func TestMonitorRepresentationByKeyedHash(t *testing.T) {
	forEachDBWith(t, server.Config{Monitor: monitor.Config{Key: "test-monitor-key"}}, func(t *testing.T, a *api) {
		const person, birth = "48001010005", "1980-01-01"
		r := a.do(t, http.MethodPost, "/api/onboarding-verifications/start_verification/", a.aliceT,
			map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": person})
		wantStatus(t, r, http.StatusOK)
		id := r.Object(t)["uuid"].(string)
		wantStatus(t, a.do(t, http.MethodPost, "/api/onboarding-verifications/"+id+"/run_validation/", a.aliceT, nil), http.StatusOK)
		r = a.do(t, http.MethodPost, "/api/onboarding-verifications/"+id+"/create_customer/", a.aliceT, nil)
		wantStatus(t, r, http.StatusCreated)
		var verified struct {
			Company validators.Company `json:"verified_company_data"`
		}
		a.do(t, http.MethodGet, "/api/onboarding-verifications/"+id+"/", a.aliceT, nil).JSON(t, &verified)
		// A name+birth date register's verification, for the birth date.
		r = a.do(t, http.MethodPost, "/api/onboarding-verifications/start_verification/", a.bobT,
			map[string]any{"country": "NO", "legal_person_identifier": "923609016", "first_name": "Anders", "last_name": "Opedal", "birth_date": birth})
		wantStatus(t, r, http.StatusOK)
		wantStatus(t, a.do(t, http.MethodPost, "/api/onboarding-verifications/"+r.Object(t)["uuid"].(string)+"/run_validation/", a.bobT, nil), http.StatusOK)

		reg := newFakeRegister()
		reg.companies["12417834"] = verified.Company // as at onboarding
		reg.reps["12417834"] = []string{"37605030299", person}
		var v domain.Verification
		if err := a.store.DB().QueryRow(rebind(a.store, `SELECT person_code_hmac FROM verifications WHERE uuid = ?`), id).Scan(&v.PersonCodeHMAC); err != nil {
			t.Fatal(err)
		}
		if v.PersonCodeHMAC != monitor.PersonHMAC("test-monitor-key", "EE", person) || len(v.PersonCodeHMAC) != 64 {
			t.Fatalf("person_code_hmac %q", v.PersonCodeHMAC)
		}
		clock := fakeClock(a.store)
		cfg := monitorConfig()
		cfg.Key = "test-monitor-key"
		m := monitor.New(cfg, a.store, reg, nil, quietLogger())
		ctx := context.Background()
		m.RunOnce(ctx)
		clock.Advance(721 * time.Hour)
		m.RunOnce(ctx)
		if st, _ := a.store.MonitorStatus(ctx, clock.Now()); st.Alerts[domain.AlertOpen] != 0 || st.CheckedLastDay != 1 {
			t.Fatalf("still listed: %+v", st)
		}
		reg.reps["12417834"] = []string{"37605030299"} // the person left the board
		clock.Advance(721 * time.Hour)
		m.RunOnce(ctx)
		var alerts []map[string]any
		a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/?kind=representation", a.staffT, nil).JSON(t, &alerts)
		if len(alerts) != 1 || alerts[0]["old_value"] != domain.Represents || alerts[0]["new_value"] != domain.DoesNotRepresent {
			t.Fatalf("representation alerts: %v", alerts)
		}
		for _, table := range []string{"verifications", "monitor_watches", "monitoring_alerts", "verification_events", "webhook_deliveries", "customers"} {
			dump := dumpTable(t, a.store.DB(), table)
			for _, secret := range []string{person, birth, "19800101"} {
				if strings.Contains(dump, secret) {
					t.Errorf("%s holds %s in clear", table, secret)
				}
			}
		}
	})
}

func rebind(s *store.Store, q string) string {
	if s.Dialect() != "postgres" {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// dumpTable renders every value of every row of table as text.
func dumpTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if raw, ok := v.([]byte); ok {
				v = string(raw)
			}
			fmt.Fprintf(&b, "%v\t", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The per-register rate limit holds across two replicas: their calls
// together stay within the configured rate in every second.
func TestMonitorRateLimitAcrossReplicas(t *testing.T) {
	storetest.DialectURLs(t, func(t *testing.T, databaseURL string) {
		s1, s2 := storetest.Open(t, databaseURL), storetest.Open(t, databaseURL)
		a := newAPI(t, s1, server.Config{})
		reg := newFakeRegister()
		const n, rate = 45, 30.0
		watchedCompanies(t, a, reg, n, 800*time.Hour) // due at once
		cfg := monitorConfig()
		cfg.Rate = rate
		replicas := []*monitor.Monitor{monitor.New(cfg, s1, reg, nil, quietLogger()), monitor.New(cfg, s2, reg, nil, quietLogger())}
		var wg sync.WaitGroup
		for _, m := range replicas {
			wg.Go(func() {
				if _, err := m.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		reg.mu.Lock()
		calls := slices.Clone(reg.calls)
		reg.mu.Unlock()
		if len(calls) != n {
			t.Fatalf("%d calls, want %d", len(calls), n)
		}
		sort.Slice(calls, func(i, j int) bool { return calls[i].Before(calls[j]) })
		// A limit of rate/s allows rate·Δt calls in any span Δt, plus a
		// burst: calls are reserved 1/rate apart, and one that a loaded
		// machine starts late shares its span with the ones after it. A
		// fifth of a second of lateness is allowed (6 calls); a limit each
		// replica kept alone (2·rate/s) is about 20 calls over it here.
		excess, within := 0.0, ""
		for i := range calls {
			for j := i + 1; j < len(calls); j++ {
				span := calls[j].Sub(calls[i])
				if e := float64(j-i) - rate*span.Seconds(); e > excess {
					excess, within = e, fmt.Sprintf("%d calls in %s", j-i+1, span.Round(time.Millisecond))
				}
			}
		}
		overall := float64(len(calls)-1) / calls[len(calls)-1].Sub(calls[0]).Seconds()
		t.Logf("%d calls, %.1f/s overall; most over the limit: %s, %.1f calls more than %.0f/s allows", len(calls), overall, within, excess, rate)
		if excess > rate/5 {
			t.Fatalf("rate limit broken: %s, %.1f calls more than %.0f/s allows", within, excess, rate)
		}
	})
}

// 10,000 companies due at once are checked at the configured rate by two
// replicas, while the API keeps answering: no 5xx, and a retrieve's p99
// stays under 100 ms meanwhile.
func TestMonitorTenThousandDueAtOnce(t *testing.T) {
	storetest.DialectURLs(t, func(t *testing.T, databaseURL string) {
		s1, s2 := storetest.Open(t, databaseURL), storetest.Open(t, databaseURL)
		a := newAPI(t, s1, server.Config{})
		ctx := context.Background()
		// 40% of the seeded verifications are verified: 10,000 watched.
		if err := s1.SeedVerifications(ctx, 25000, []int64{a.alice.ID, a.bob.ID}); err != nil {
			t.Fatal(err)
		}
		reg := newFakeRegister()
		reg.unknown = func(code string) *validators.Company { // the seeded company as it is
			i, _ := strconv.Atoi(code)
			i -= 10000000
			return &validators.Company{Name: fmt.Sprintf("Company %d %s", i, store.SeedCountries[i%len(store.SeedCountries)]),
				LegalPersonIdentifier: code, Status: validators.StatusActive, LegalForm: "OÜ"}
		}
		const rate = 2000.0
		cfg := monitorConfig()
		cfg.Interval, cfg.Rate, cfg.WatchVerified = time.Hour, rate, true // seeded up to 8 days ago: nearly all due now
		replicas := []*monitor.Monitor{monitor.New(cfg, s1, reg, nil, quietLogger()), monitor.New(cfg, s2, reg, nil, quietLogger())}

		var page []map[string]any
		a.do(t, http.MethodGet, "/api/onboarding-verifications/?page_size=50", a.staffT, nil).JSON(t, &page)
		var latencies []time.Duration
		var fivexx atomic.Int64
		stop := make(chan struct{})
		var readers sync.WaitGroup
		readers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req := httptest.NewRequest(http.MethodGet, "/api/onboarding-verifications/"+page[i%len(page)]["uuid"].(string)+"/", nil)
				req.Header.Set("Authorization", "Token "+a.staffT)
				rec := httptest.NewRecorder()
				start := time.Now()
				a.handler.ServeHTTP(rec, req)
				latencies = append(latencies, time.Since(start))
				if rec.Code >= 500 {
					fivexx.Add(1)
				}
				time.Sleep(time.Millisecond) // a steady client, not a busy loop starving the monitor of the shared cores
			}
		})
		start := time.Now()
		var wg sync.WaitGroup
		checked := make([]int, len(replicas))
		for i, m := range replicas {
			wg.Go(func() {
				n, err := m.RunOnce(ctx)
				if err != nil {
					t.Error(err)
				}
				checked[i] = n
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		close(stop)
		readers.Wait()

		st, err := s1.MonitorStatus(ctx, s1.Clock().Now())
		if err != nil {
			t.Fatal(err)
		}
		calls := reg.callCount()
		if st.Watched != 10000 || calls != checked[0]+checked[1] || calls < 9900 || st.Due != 0 || st.Alerts[domain.AlertOpen] != 0 {
			t.Fatalf("watched %d, checks %v, register calls %d, status %+v", st.Watched, checked, calls, st)
		}
		slices.Sort(latencies)
		p99 := latencies[len(latencies)*99/100]
		measured := float64(calls) / elapsed.Seconds()
		t.Logf("%d checks in %s (%.0f/s, limit %.0f/s; replicas %v); %d retrieves meanwhile, p99 %s, max %s",
			calls, elapsed.Round(time.Millisecond), measured, rate, checked, len(latencies), p99, latencies[len(latencies)-1])
		if measured > rate*1.05 {
			t.Errorf("%.0f checks/s, over the limit of %.0f/s", measured, rate)
		}
		if n := fivexx.Load(); n > 0 {
			t.Errorf("%d retrieves answered 5xx", n)
		}
		if p99 > 100*time.Millisecond {
			t.Errorf("retrieve p99 %s during the checks, want under 100 ms", p99)
		}
	})
}

// The console's Alerts view, linked from its header: support users read
// the open alerts; staff acknowledge and resolve them with a note, from the
// console's own pages only.
func TestConsoleAlerts(t *testing.T) {
	forEachDB(t, func(t *testing.T, a *api) {
		srv, _, _ := consoleAPI(t, a)
		clock := fakeClock(a.store)
		reg := newFakeRegister()
		vs := watchedCompanies(t, a, reg, 1)
		m := monitor.New(monitorConfig(), a.store, reg, nil, quietLogger())
		m.RunOnce(context.Background())
		reg.set(vs[0].LegalPersonIdentifier, func(c *validators.Company) { c.Name = `<img src=x onerror=alert(1)>` })
		clock.Advance(721 * time.Hour)
		m.RunOnce(context.Background())
		var alerts []map[string]any
		a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/", a.staffT, nil).JSON(t, &alerts)
		if len(alerts) != 1 {
			t.Fatalf("alerts: %v", alerts)
		}
		id := alerts[0]["uuid"].(string)

		sue := newBrowser(t, srv)
		sue.signIn("sue")
		if q := sue.get("/console/"); q.doc.Find(`header a[href="/console/alerts"]`).Length() != 1 {
			t.Fatalf("no Alerts link in the header: %s", q.body)
		}
		p := sue.get("/console/alerts")
		if p.status != http.StatusOK || p.doc.Find("table.queue tbody tr").Length() != 1 || p.doc.Find("form[action^='/console/alerts/']").Length() != 0 ||
			strings.Contains(p.body, "<img src=x") || !strings.Contains(p.body, "&lt;img src=x") {
			t.Fatalf("support's alerts page: %d %s", p.status, p.body)
		}
		if p := sue.post("/console/alerts/"+id, url.Values{"state": {"acknowledged"}}); p.status != http.StatusForbidden {
			t.Fatalf("support acknowledged: %d", p.status)
		}
		stan := newBrowser(t, srv)
		stan.signIn("stan")
		if p := stan.send("POST", "/console/alerts/"+id, url.Values{"state": {"resolved"}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); p.status != http.StatusForbidden {
			t.Fatalf("a cross-site POST: %d", p.status)
		}
		if p := stan.get("/console/alerts"); p.doc.Find("form[action='/console/alerts/"+id+"'] button[value=acknowledged]").Length() != 1 {
			t.Fatalf("staff see no acknowledge button: %s", p.body)
		}
		p = stan.post("/console/alerts/"+id, url.Values{"state": {"acknowledged"}, "note": {"Asked the customer."}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/alerts?done=acknowledged" {
			t.Fatalf("acknowledge: %d %s", p.status, p.header.Get("Location"))
		}
		if p := stan.get("/console/alerts?state=acknowledged"); !strings.Contains(p.body, "Asked the customer.") || p.doc.Find("table.queue tbody tr").Length() != 1 {
			t.Fatalf("acknowledged tab: %s", p.body)
		}
		if p := stan.post("/console/alerts/"+id, url.Values{"state": {"acknowledged"}}); p.status != http.StatusConflict {
			t.Fatalf("acknowledged twice: %d", p.status)
		}
		stan.post("/console/alerts/"+id, url.Values{"state": {"resolved"}, "note": {"Name change confirmed."}})
		if got := a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/"+id+"/", a.supportT, nil).Object(t); got["state"] != "resolved" ||
			got["note"] != "Name change confirmed." || got["resolved_by"] != float64(a.staff.ID) {
			t.Fatalf("after the console: %v", got)
		}
	})
}

// A replica that dies holding a claim loses it when its lease ends: another
// replica checks the company and reports the change, and the first one's
// late outcome stores nothing, so the change is reported once.
func TestMonitorLateClaimStoresNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, a *api) {
		clock := fakeClock(a.store)
		reg := newFakeRegister()
		vs := watchedCompanies(t, a, reg, 1)
		m := monitor.New(monitorConfig(), a.store, reg, nil, quietLogger())
		ctx := context.Background()
		m.RunOnce(ctx)
		reg.set(vs[0].LegalPersonIdentifier, func(c *validators.Company) { c.Status = validators.StatusBankrupt })
		clock.Advance(721 * time.Hour)
		claim, watches, err := a.store.ClaimWatches(ctx, clock.Now(), 10*time.Minute, 10, nil) // the replica that dies
		if err != nil || len(watches) != 1 {
			t.Fatalf("claim: %v, %d watches", err, len(watches))
		}
		if n, _ := m.RunOnce(ctx); n != 0 {
			t.Fatalf("a claimed check ran again within its lease (%d)", n)
		}
		clock.Advance(11 * time.Minute)
		if n, err := m.RunOnce(ctx); n != 1 || err != nil {
			t.Fatalf("after the lease: %d checks, %v", n, err)
		}
		late := []store.Check{{Watch: &watches[0], Seen: store.Seen{CompanyStatus: "bankrupt"}, Due: clock.Now().Add(time.Hour),
			Changes: []store.Change{{Kind: domain.AlertCondition, Old: "active", New: "bankrupt"}}}}
		if err := a.store.FinishChecks(ctx, claim, late); err != nil || late[0].Stored || len(late[0].Alerts) != 0 {
			t.Fatalf("the late outcome: %v, stored %v, %d alerts", err, late[0].Stored, len(late[0].Alerts))
		}
		if r := a.do(t, http.MethodGet, "/api/onboarding-monitoring-alerts/", a.staffT, nil); r.Header.Get("X-Result-Count") != "1" {
			t.Fatalf("alerts: %s", r.Body)
		}
	})
}

// A country turned off (ONBOARDING_MONITOR_INTERVALS="EE=off") is not
// checked; another interval for it applies to its companies only.
func TestMonitorCountryIntervals(t *testing.T) {
	forEachDB(t, func(t *testing.T, a *api) {
		clock := fakeClock(a.store)
		reg := newFakeRegister()
		watchedCompanies(t, a, reg, 2)
		ctx := context.Background()
		cfg := monitorConfig()
		cfg.Intervals = monitor.Intervals{"EE": 0}
		off := monitor.New(cfg, a.store, reg, nil, quietLogger())
		off.RunOnce(ctx)
		clock.Advance(2000 * time.Hour)
		if n, err := off.RunOnce(ctx); n != 0 || err != nil || reg.callCount() != 0 {
			t.Fatalf("EE off: %d checks, %d calls, %v", n, reg.callCount(), err)
		}
		cfg.Intervals = monitor.Intervals{"EE": 24 * time.Hour}
		daily := monitor.New(cfg, a.store, reg, nil, quietLogger())
		if n, _ := daily.RunOnce(ctx); n != 2 {
			t.Fatalf("EE back on: %d checks", n)
		}
		clock.Advance(25 * time.Hour)
		if n, _ := daily.RunOnce(ctx); n != 2 {
			t.Fatalf("EE daily: %d checks after a day", n)
		}
	})
}
