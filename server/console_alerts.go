package server

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

// alertsView is the console's Alerts page: monitoring alerts by state.
type alertsView struct {
	Tabs  []tabView
	Rows  []domain.Alert
	Total int
}

// alertStates are the Alerts page's tabs, in order.
var alertStates = []string{domain.AlertOpen, domain.AlertAcknowledged, domain.AlertResolved}

// alertFlashes are the messages of ?done= after a decision.
var alertFlashes = map[string]string{
	domain.AlertAcknowledged: "Alert acknowledged.",
	domain.AlertResolved:     "Alert resolved.",
}

func (s *Server) alertsPage(c echo.Context) error {
	return s.renderAlerts(c, http.StatusOK, c.QueryParam("state"), alertFlashes[c.QueryParam("done")], "")
}

// renderAlerts shows the newest 50 alerts of state (open when empty).
func (s *Server) renderAlerts(c echo.Context, status int, state, flash, problem string) error {
	ctx := c.Request().Context()
	if state == "" {
		state = domain.AlertOpen
	}
	view := &alertsView{}
	for _, st := range alertStates {
		rows, total, err := s.store.ListAlerts(ctx, domain.AlertFilter{State: st, Limit: 50})
		if err != nil {
			return s.consoleError(c, currentUser(ctx), err)
		}
		view.Tabs = append(view.Tabs, tabView{Label: st, URL: "/console/alerts?state=" + st, Count: strconv.Itoa(total), Current: st == state})
		if st == state {
			view.Rows, view.Total = rows, total
		}
	}
	return s.render(c, status, "alerts", page{Title: "Alerts", Alerts: view, Flash: flash, Error: problem})
}

// decideAlertForm acknowledges or resolves an alert with a note (staff;
// the session middleware refuses support users), then shows the open
// alerts again.
func (s *Server) decideAlertForm(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return s.consoleError(c, currentUser(ctx), &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	state, note := c.FormValue("state"), c.FormValue("note")
	if state != domain.AlertAcknowledged && state != domain.AlertResolved {
		return s.renderAlerts(c, http.StatusBadRequest, "", "", "Acknowledge or resolve.")
	}
	if _, err := s.decideAlert(ctx, id, &note, state); err != nil {
		status, body := errorBody(err)
		return s.renderAlerts(c, status, "", "", firstMessage(body))
	}
	return c.Redirect(http.StatusSeeOther, "/console/alerts?done="+state)
}
