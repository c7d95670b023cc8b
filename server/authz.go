package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

// audience is who may call an operation at all. Which rows they then see
// or change (their own verification, a 404 for another's) is the
// handler's business.
type audience uint8

const (
	anyone    audience = iota + 1 // no token needed
	users                         // any signed-in user
	reviewers                     // staff and support
	staffOnly                     // staff
)

// access lists, for every operationId of openapi.yaml, who may call it.
// On top of it, support users read everything they are let in to and
// change nothing: any other method than GET is refused to them.
// TestEveryOperationHasAnAccessRule holds this table to openapi.yaml.
var access = map[string]audience{
	"healthz": anyone,
	"readyz":  anyone,
	"onboarding_supported_countries_retrieve": anyone,
	"onboarding_validation_methods_list":      anyone,

	"onboarding_verifications_list":                         users,
	"onboarding_verifications_create":                       users,
	"onboarding_verifications_retrieve":                     users,
	"onboarding_verifications_update":                       users,
	"onboarding_verifications_partial_update":               users,
	"onboarding_verifications_destroy":                      users,
	"onboarding_verifications_create_customer":              users,
	"onboarding_verifications_checklist_retrieve":           users,
	"onboarding_verifications_checklist_template_retrieve":  users,
	"onboarding_verifications_completion_status_retrieve":   users,
	"onboarding_verifications_run_validation":               users,
	"onboarding_verifications_start_verification":           users,
	"onboarding_verifications_submit_answers":               users,
	"onboarding_verifications_events_list":                  users,
	"customers_list":                                        users,
	"customers_retrieve":                                    users,
	"onboarding_justifications_list":                        users,
	"onboarding_justifications_create":                      users,
	"onboarding_justifications_attach_document":             users,
	"onboarding_country_configs_list":                       users,
	"onboarding_country_configs_retrieve":                   users,
	"onboarding_events_list":                                reviewers,
	"onboarding_monitoring_alerts_list":                     reviewers,
	"onboarding_monitoring_alerts_retrieve":                 reviewers,
	"onboarding_monitoring_alerts_acknowledge":              staffOnly,
	"onboarding_monitoring_alerts_resolve":                  staffOnly,
	"onboarding_justifications_approve":                     staffOnly,
	"onboarding_justifications_reject":                      staffOnly,
	"onboarding_country_configs_create":                     staffOnly,
	"onboarding_country_configs_update":                     staffOnly,
	"onboarding_country_configs_partial_update":             staffOnly,
	"onboarding_country_configs_destroy":                    staffOnly,
	"checklists_admin_list":                                 reviewers,
	"checklists_admin_create":                               reviewers,
	"checklists_admin_retrieve":                             reviewers,
	"checklists_admin_update":                               reviewers,
	"checklists_admin_partial_update":                       reviewers,
	"checklists_admin_destroy":                              reviewers,
	"checklists_admin_checklist_questions":                  reviewers,
	"checklists_admin_questions_list":                       reviewers,
	"checklists_admin_questions_create":                     reviewers,
	"checklists_admin_questions_retrieve":                   reviewers,
	"checklists_admin_questions_update":                     reviewers,
	"checklists_admin_questions_partial_update":             reviewers,
	"checklists_admin_questions_destroy":                    reviewers,
	"checklists_admin_question_options_list":                reviewers,
	"checklists_admin_question_options_create":              reviewers,
	"checklists_admin_question_options_retrieve":            reviewers,
	"checklists_admin_question_options_update":              reviewers,
	"checklists_admin_question_options_partial_update":      reviewers,
	"checklists_admin_question_options_destroy":             reviewers,
	"checklists_admin_question_dependencies_list":           reviewers,
	"checklists_admin_question_dependencies_create":         reviewers,
	"checklists_admin_question_dependencies_retrieve":       reviewers,
	"checklists_admin_question_dependencies_update":         reviewers,
	"checklists_admin_question_dependencies_partial_update": reviewers,
	"checklists_admin_question_dependencies_destroy":        reviewers,
	"onboarding_question_metadata_list":                     reviewers,
	"onboarding_question_metadata_retrieve":                 reviewers,
	"onboarding_question_metadata_update":                   reviewers,
	"onboarding_question_metadata_partial_update":           reviewers,
	"onboarding_webhooks_list":                              reviewers,
	"onboarding_webhooks_create":                            reviewers,
	"onboarding_webhooks_retrieve":                          reviewers,
	"onboarding_webhooks_update":                            reviewers,
	"onboarding_webhooks_partial_update":                    reviewers,
	"onboarding_webhooks_destroy":                           reviewers,
	"onboarding_webhooks_deliveries_list":                   reviewers,
	"onboarding_webhooks_deliveries_redeliver":              reviewers,
}

// authorize refuses, with 403, a call the access table does not allow the
// signed-in user. It runs after authenticate and before the request's
// body is read or validated, as Django REST Framework checks permissions.
func authorize(routes routeTable) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			route := routes.of(c)
			if route == nil {
				return next(c) // not an API operation: documentation, metrics, a 404
			}
			if !allowed(access[route.Operation.OperationID], c.Request().Method, currentUser(c.Request().Context())) {
				return errForbidden
			}
			return next(c)
		}
	}
}

func allowed(who audience, method string, u *domain.User) bool {
	switch {
	case who == anyone:
		return true
	case u == nil:
		return false // authenticate let no one through without a token
	case u.IsSupport && !u.IsStaff && method != http.MethodGet:
		return false
	case who == users:
		return true
	case who == reviewers:
		return u.IsStaff || u.IsSupport
	}
	return who == staffOnly && u.IsStaff
}
