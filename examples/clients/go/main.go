// Command flow drives the onboarding API end to end through a client that
// oapi-codegen generates from openapi.yaml (package client, never edited by
// hand), the way a Go consumer of the API would:
//
//	start_verification → run_validation → retrieve → list (following Link
//	through every page, reading X-Result-Count) → checklist → submit_answers →
//	completion_status → create_customer → retrieve the customer
//
// plus a 400 with field errors and a 409, decoded into the generated error
// types. It exits non-zero at the first answer that is not what the API
// documents. Run it against a service in sandbox mode with the example
// checklist imported (tools/with-server.sh does both):
//
//	go tool oapi-codegen -config examples/clients/go/oapi-codegen.yaml openapi.yaml
//	tools/with-server.sh sh -c 'cd examples/clients/go && go run .'
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/examples/clients/go/client"
)

func main() {
	base, token := os.Getenv("ONBOARDING_URL"), os.Getenv("ONBOARDING_OWNER_TOKEN")
	if base == "" || token == "" {
		log.Fatal("set ONBOARDING_URL and ONBOARDING_OWNER_TOKEN (tools/with-server.sh does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, base, token); err != nil {
		log.Fatalf("FAIL: %v", err)
	}
	fmt.Println("Go client flow passed")
}

// flow holds the generated client and what the steps share.
type flow struct {
	api  *client.ClientWithResponses
	http *http.Client
	auth client.RequestEditorFn
}

func run(ctx context.Context, base, token string) error {
	auth := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Token "+token)
		return nil
	}
	httpClient := &http.Client{Timeout: 30 * time.Second}
	api, err := client.NewClientWithResponses(base, client.WithHTTPClient(httpClient), client.WithRequestEditorFn(auth))
	if err != nil {
		return err
	}
	f := &flow{api: api, http: httpClient, auth: auth}

	// start_verification: Bolt Technology OÜ, a sandbox company whose register lists the person.
	started, err := api.OnboardingVerificationsStartVerificationWithResponse(ctx, nil, client.OnboardingCompanyValidationRequestRequest{
		Country: "EE", LegalPersonIdentifier: ptr("12417834"), PersonIdentifier: ptr("48001010005"),
	})
	if err := want(started, err, http.StatusOK); err != nil {
		return fmt.Errorf("start_verification: %w", err)
	}
	v := started.JSON200
	if v.Status != client.VerificationStatusPending {
		return fmt.Errorf("start_verification: status %q, want pending", v.Status)
	}
	fmt.Printf("started %s (%s)\n", v.Uuid, v.Status)

	ran, err := api.OnboardingVerificationsRunValidationWithResponse(ctx, v.Uuid, nil)
	if err := want(ran, err, http.StatusOK); err != nil {
		return fmt.Errorf("run_validation: %w", err)
	}
	if ran.JSON200.Status != client.VerificationStatusVerified || ran.JSON200.VerifiedCompanyData.Name == nil {
		return fmt.Errorf("run_validation: status %q, company %+v; want verified with the company's name", ran.JSON200.Status, ran.JSON200.VerifiedCompanyData)
	}
	fmt.Printf("validated: %s, %s\n", ran.JSON200.Status, *ran.JSON200.VerifiedCompanyData.Name)

	got, err := api.OnboardingVerificationsRetrieveWithResponse(ctx, v.Uuid)
	if err := want(got, err, http.StatusOK); err != nil {
		return fmt.Errorf("retrieve: %w", err)
	}
	if got.JSON200.Uuid != v.Uuid || got.JSON200.Status != client.VerificationStatusVerified {
		return fmt.Errorf("retrieve: %s %s, want %s verified", got.JSON200.Uuid, got.JSON200.Status, v.Uuid)
	}

	if err := f.listEveryPage(ctx, v.Uuid.String()); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	if err := f.completeChecklist(ctx, v.Uuid); err != nil {
		return fmt.Errorf("checklist: %w", err)
	}

	// An Idempotency-Key makes the call safe to retry: a repeat gets the same 201.
	once := &client.OnboardingVerificationsCreateCustomerParams{IdempotencyKey: ptr(uuid.NewString())}
	created, err := api.OnboardingVerificationsCreateCustomerWithResponse(ctx, v.Uuid, once)
	if err := want(created, err, http.StatusCreated); err != nil {
		return fmt.Errorf("create_customer: %w", err)
	}
	customer, err := api.CustomersRetrieveWithResponse(ctx, created.JSON201.Uuid)
	if err := want(customer, err, http.StatusOK); err != nil {
		return fmt.Errorf("customers_retrieve: %w", err)
	}
	if customer.JSON200.Uuid != created.JSON201.Uuid || customer.JSON200.Name != *ran.JSON200.VerifiedCompanyData.Name {
		return fmt.Errorf("customers_retrieve: %s %q, want %s %q", customer.JSON200.Uuid, customer.JSON200.Name, created.JSON201.Uuid, *ran.JSON200.VerifiedCompanyData.Name)
	}
	fmt.Printf("customer %s: %s\n", customer.JSON200.Uuid, customer.JSON200.Name)

	// A 400 with field errors: a registry code whose check digit is wrong.
	bad, err := api.OnboardingVerificationsStartVerificationWithResponse(ctx, nil, client.OnboardingCompanyValidationRequestRequest{
		Country: "EE", LegalPersonIdentifier: ptr("12417835"), PersonIdentifier: ptr("48001010005"),
	})
	if err := want(bad, err, http.StatusBadRequest); err != nil {
		return fmt.Errorf("start_verification with a bad check digit: %w", err)
	}
	if bad.JSON400.Detail != nil || len(bad.JSON400.AdditionalProperties["legal_person_identifier"]) == 0 {
		return fmt.Errorf("start_verification with a bad check digit: %s, want field errors naming legal_person_identifier", bad.Body)
	}
	fmt.Printf("400 field errors: %v\n", bad.JSON400.AdditionalProperties)

	// A 409: the verification already has its customer.
	again, err := api.OnboardingVerificationsCreateCustomerWithResponse(ctx, v.Uuid, nil)
	if err := want(again, err, http.StatusConflict); err != nil {
		return fmt.Errorf("create_customer twice: %w", err)
	}
	if again.JSON409.Detail == "" {
		return fmt.Errorf("create_customer twice: %s, want a detail", again.Body)
	}
	fmt.Printf("409: %s\n", again.JSON409.Detail)
	return nil
}

// listEveryPage starts two more verifications, then lists with two per page,
// following each page's Link rel="next" (exactly as given) until there is
// none: every page reports the same X-Result-Count, and the pages together
// hold that many distinct verifications, including uuid.
func (f *flow) listEveryPage(ctx context.Context, want1 string) error {
	for _, code := range []string{"10000024", "10000001"} {
		res, err := f.api.OnboardingVerificationsStartVerificationWithResponse(ctx, nil, client.OnboardingCompanyValidationRequestRequest{
			Country: "EE", LegalPersonIdentifier: ptr(code), PersonIdentifier: ptr("48001010005"),
		})
		if err := want(res, err, http.StatusOK); err != nil {
			return fmt.Errorf("start_verification %s: %w", code, err)
		}
	}
	pageSize := client.PageSize(2)
	page, err := f.api.OnboardingVerificationsListWithResponse(ctx, &client.OnboardingVerificationsListParams{PageSize: &pageSize})
	seen, total, pages := map[string]bool{}, -1, 0
	for {
		if err := want(page, err, http.StatusOK); err != nil {
			return fmt.Errorf("page %d: %w", pages+1, err)
		}
		pages++
		count, err := strconv.Atoi(page.HTTPResponse.Header.Get("X-Result-Count"))
		if err != nil || (total >= 0 && count != total) {
			return fmt.Errorf("page %d: X-Result-Count %q (first page said %d)", pages, page.HTTPResponse.Header.Get("X-Result-Count"), total)
		}
		total = count
		if len(*page.JSON200) > int(pageSize) {
			return fmt.Errorf("page %d: %d items, more than page_size %d", pages, len(*page.JSON200), pageSize)
		}
		for _, v := range *page.JSON200 {
			if seen[v.Uuid.String()] {
				return fmt.Errorf("page %d: %s listed twice", pages, v.Uuid)
			}
			seen[v.Uuid.String()] = true
		}
		next := linkRel(page.HTTPResponse.Header.Get("Link"), "next")
		if next == "" {
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return fmt.Errorf("page %d: Link next %q: %w", pages, next, err)
		}
		if err := f.auth(ctx, req); err != nil {
			return err
		}
		res, err := f.http.Do(req)
		if err != nil {
			return fmt.Errorf("page %d: %w", pages+1, err)
		}
		page, err = client.ParseOnboardingVerificationsListResponse(res)
		res.Body.Close()
	}
	if len(seen) != total || !seen[want1] || total < 3 || pages != (total+1)/2 {
		return fmt.Errorf("%d pages with %d verifications (X-Result-Count %d; %s listed: %v)", pages, len(seen), total, want1, seen[want1])
	}
	fmt.Printf("listed %d verifications on %d pages\n", total, pages)
	return nil
}

// linkRel returns the URL of relation rel in an RFC 8288 Link header.
func linkRel(header, rel string) string {
	for _, link := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(link, ";")
		if ok && strings.Contains(params, `rel="`+rel+`"`) {
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}

// completeChecklist answers the verification's unanswered required
// questions, by their type, until the checklist is complete (answers can
// make more questions visible), then checks completion_status.
func (f *flow) completeChecklist(ctx context.Context, id uuid.UUID) error {
	for round := 1; ; round++ {
		cl, err := f.api.OnboardingVerificationsChecklistRetrieveWithResponse(ctx, id)
		if err := want(cl, err, http.StatusOK); err != nil {
			return err
		}
		if cl.JSON200.Completion.IsCompleted {
			break
		}
		if round > 5 || len(cl.JSON200.Completion.UnansweredRequiredQuestions) == 0 {
			return fmt.Errorf("not complete after %d rounds: %+v", round-1, cl.JSON200.Completion)
		}
		byUUID := map[uuid.UUID]client.ChecklistQuestion{}
		for _, q := range cl.JSON200.Questions {
			byUUID[q.Uuid] = q
		}
		var answers []client.AnswerSubmitRequest
		for _, u := range cl.JSON200.Completion.UnansweredRequiredQuestions {
			q, ok := byUUID[u.Uuid]
			if !ok {
				return fmt.Errorf("unanswered question %s is not among the checklist's questions", u.Uuid)
			}
			answer, err := json.Marshal(answerFor(q))
			if err != nil {
				return err
			}
			answers = append(answers, client.AnswerSubmitRequest{QuestionUuid: q.Uuid, AnswerData: answer})
		}
		saved, err := f.api.OnboardingVerificationsSubmitAnswersWithResponse(ctx, id, nil, answers)
		if err := want(saved, err, http.StatusOK); err != nil {
			return fmt.Errorf("submit_answers: %w", err)
		}
		fmt.Printf("submitted %d answers: %.2f%% complete\n", len(answers), saved.JSON200.Completion.CompletionPercentage)
	}
	status, err := f.api.OnboardingVerificationsCompletionStatusRetrieveWithResponse(ctx, id)
	if err := want(status, err, http.StatusOK); err != nil {
		return fmt.Errorf("completion_status: %w", err)
	}
	if !status.JSON200.IsCompleted || len(status.JSON200.UnansweredRequiredQuestions) != 0 {
		return fmt.Errorf("completion_status: %+v, want complete", status.JSON200)
	}
	return nil
}

// answerFor is a valid answer to q, by its type.
func answerFor(q client.ChecklistQuestion) any {
	pdf := map[string]string{"name": "extract.pdf", "content": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n%%EOF\n"))}
	switch q.QuestionType {
	case client.QuestionTypeBoolean:
		return true
	case client.QuestionTypeSingleSelect, client.QuestionTypeMultiSelect:
		return []string{q.QuestionOptions[0].Uuid.String()}
	case client.QuestionTypeNumber:
		if q.MinValue != nil {
			n, _ := strconv.ParseFloat(*q.MinValue, 64)
			return n
		}
		return 1
	case client.QuestionTypeDate:
		return "2024-01-31"
	case client.QuestionTypeDatetime:
		return "2024-01-31T12:00:00Z"
	case client.QuestionTypeEmail:
		return "info@example.com"
	case client.QuestionTypePhoneNumber:
		return "+37251234567"
	case client.QuestionTypeUrl:
		return "https://example.com"
	case client.QuestionTypeYear:
		return 2020
	case client.QuestionTypeCountry:
		return "EE"
	case client.QuestionTypeRating:
		return 5
	case client.QuestionTypeFile:
		return pdf
	case client.QuestionTypeMultipleFiles:
		return []any{pdf}
	}
	return "An answer from the Go client example."
}

// want checks a generated client's answer: no transport error, the
// status, and the body decoded into the generated type for that status
// (its JSON<status> field).
func want(res interface{ StatusCode() int }, err error, status int) error {
	if err != nil {
		return err
	}
	v := reflect.ValueOf(res).Elem()
	decoded := v.FieldByName(fmt.Sprintf("JSON%d", status))
	if res.StatusCode() != status || !decoded.IsValid() || decoded.IsNil() {
		return fmt.Errorf("status %d, want %d decoded into its generated type; body %s", res.StatusCode(), status, v.FieldByName("Body").Bytes())
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
