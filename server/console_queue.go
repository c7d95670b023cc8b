package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

// queuePageSize is the queue's page: as many cases as a reviewer scans.
const queuePageSize = 50

var tabLabels = map[string]string{
	store.QueueReview: "Needs review", store.QueueFailed: "Failed",
	store.QueueUnonboarded: "Verified, no customer", store.QueueAll: "All",
}

// queueView is the queue page.
type queueView struct {
	Tab                         string
	Tabs                        []tabView
	Filter                      queueForm
	Methods, ErrorCodes         []string
	Rows                        []queueRow
	Total                       string
	Page                        int
	PrevURL, NextURL            string
	ClearURL, ExportURL, AllURL string
}

type tabView struct {
	Label, Count, URL string
	Current           bool
}

// queueForm is the queue's filters as the URL carries them.
type queueForm struct {
	Tab, Search, Country, Method, ErrorCode, Assignee, OlderThan string
	Page                                                         int
}

type queueRow struct {
	URL, Name, Code, Country, Status, Method, ErrorCode, Assignee string
	Created                                                       time.Time
	Pending                                                       int
	Outage                                                        bool
}

// readQueueForm reads the filters from a query (the queue's, or a case
// page's, which carries its queue along).
func readQueueForm(q url.Values) queueForm {
	f := queueForm{Tab: q.Get("tab"), Search: strings.TrimSpace(q.Get("q")), Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))),
		Method: q.Get("method"), ErrorCode: q.Get("error"), Assignee: q.Get("assignee"), OlderThan: strings.TrimSpace(q.Get("older"))}
	if _, ok := tabLabels[f.Tab]; !ok {
		f.Tab = store.QueueReview
	}
	if f.Assignee != "me" && f.Assignee != "unassigned" {
		f.Assignee = ""
	}
	if n, err := strconv.Atoi(f.OlderThan); err != nil || n < 0 || n > 3650 {
		f.OlderThan = ""
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(1, min(f.Page, store.PageWindow/queuePageSize)) // the console numbers pages within the list's window
	return f
}

// query is the form as a URL query; page 1 is left out.
func (f queueForm) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"tab": f.Tab, "q": f.Search, "country": f.Country, "method": f.Method,
		"error": f.ErrorCode, "assignee": f.Assignee, "older": f.OlderThan} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page))
	}
	return q
}

// with is the form on another tab or page.
func (f queueForm) with(tab string, page int) queueForm {
	f.Tab, f.Page = tab, page
	return f
}

// filter is the store's filter for the form and the signed-in user.
func (s *Server) filter(f queueForm, u *domain.User) store.QueueFilter {
	now := s.clock.Now()
	out := store.QueueFilter{Tab: f.Tab, Country: f.Country, Method: f.Method, ErrorCode: f.ErrorCode, Assignee: f.Assignee,
		Me: u.ID, ClaimedAfter: now.Add(-s.cfg.ClaimTimeout), Search: f.Search,
		Offset: (f.Page - 1) * queuePageSize, Limit: queuePageSize}
	if days, err := strconv.Atoi(f.OlderThan); err == nil && days > 0 {
		out.OlderThan = now.Add(-time.Duration(days) * 24 * time.Hour)
	}
	return out
}

func (s *Server) queuePage(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(ctx)
	form := readQueueForm(c.QueryParams())
	f := s.filter(form, u)
	cases, err := s.store.Queue(ctx, f)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	view := &queueView{Tab: form.Tab, Filter: form, Methods: s.methodNames(), ErrorCodes: errorCodes, Page: form.Page,
		ClearURL: "/console/?" + queueForm{Tab: form.Tab}.query().Encode(),
		AllURL:   "/console/?" + form.with(store.QueueAll, 1).query().Encode()}
	export := form.with(form.Tab, 1).query()
	view.ExportURL = "/console/export.csv?" + export.Encode()
	total := 0
	for _, tab := range store.QueueTabs {
		n, err := s.store.QueueCount(ctx, f, tab)
		if err != nil {
			return s.consoleError(c, u, err)
		}
		if tab == form.Tab {
			total, view.Total = n, countText(n)
		}
		view.Tabs = append(view.Tabs, tabView{Label: tabLabels[tab], Count: countText(n), Current: tab == form.Tab,
			URL: "/console/?" + form.with(tab, 1).query().Encode()})
	}
	back := form.query().Encode()
	for _, k := range cases {
		view.Rows = append(view.Rows, queueRow{URL: caseURL(k.UUID.String(), back), Name: caseName(&k), Code: k.LegalPersonIdentifier,
			Country: k.Country, Status: k.Status, Method: deref(k.ValidationMethod, ""), ErrorCode: k.ErrorMessage,
			Assignee: deref(k.Assignee, ""), Created: k.Created, Pending: k.PendingJustifications, Outage: domain.Retryable(k.ErrorMessage)})
	}
	if form.Page > 1 {
		view.PrevURL = "/console/?" + form.with(form.Tab, form.Page-1).query().Encode()
	}
	if len(cases) == queuePageSize && form.Page*queuePageSize < total {
		view.NextURL = "/console/?" + form.with(form.Tab, form.Page+1).query().Encode()
	}
	return s.render(c, http.StatusOK, "queue", page{Title: tabLabels[form.Tab], Queue: view})
}

// exportQueue streams the filtered queue (every page of it) as CSV: what
// the queue shows, no person data.
func (s *Server) exportQueue(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(ctx)
	f := s.filter(readQueueForm(c.QueryParams()), u)
	f.Offset, f.Limit = 0, 500
	first, err := s.store.Queue(ctx, f)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="onboarding-`+f.Tab+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"uuid", "created", "country", "registration_code", "legal_name", "register_name", "status",
		"validation_method", "error_code", "assignee", "justifications_to_decide", "customer"})
	for page := first; len(page) > 0; {
		for _, k := range page {
			customer := ""
			if k.CustomerID != nil {
				customer = "yes"
			}
			_ = w.Write([]string{k.UUID.String(), k.Created.Format(time.RFC3339), k.Country, csvSafe(k.LegalPersonIdentifier),
				csvSafe(k.LegalName), csvSafe(registerName(&k.Verification)), k.Status, deref(k.ValidationMethod, ""), k.ErrorMessage,
				deref(k.Assignee, ""), strconv.Itoa(k.PendingJustifications), customer})
		}
		w.Flush()
		if len(page) < f.Limit || w.Error() != nil {
			break
		}
		f.After = &page[len(page)-1]
		if page, err = s.store.Queue(ctx, f); err != nil {
			s.log(ctx).ErrorContext(ctx, "console export stopped", "error", err.Error())
			break
		}
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a user's text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// countText shows a bounded count: "1,000+" above the bound.
func countText(n int) string {
	if n > store.CountLimit {
		return strconv.Itoa(store.CountLimit) + "+"
	}
	return strconv.Itoa(n)
}

func caseURL(id, back string) string {
	if back == "" {
		return "/console/cases/" + id
	}
	return "/console/cases/" + id + "?" + back
}

// caseName is what the queue calls a case: the name the register gave,
// else the one the user gave.
func caseName(k *store.Case) string {
	if n := registerName(&k.Verification); n != "" {
		return n
	}
	return k.LegalName
}

func (s *Server) methodNames() []string {
	var out []string
	for _, m := range s.registers.Methods() {
		out = append(out, m.Method)
	}
	return append(out, "manual")
}

// errorCodes are the outcomes the queue filters by.
var errorCodes = []string{string(validators.CodeCompanyNotFound), string(validators.CodeCompanyInactive), string(validators.CodeNotAuthorized),
	string(validators.CodeNoBackend), string(validators.CodeIdentityValidation), "NO_REGISTRATION_CODE",
	string(validators.CodeAPIError), string(validators.CodeConfigurationError), "REJECTED", domain.ErrorExpired}
