package server

import (
	"context"
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// Webhook deliveries: headers a receiver reads.
const (
	SignatureHeader = "Onboarding-Signature" // t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
	EventHeader     = "Onboarding-Event"     // the payload's type
	DeliveryHeader  = "Onboarding-Delivery"  // the delivery's uuid
)

// Sign returns the Onboarding-Signature value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// --- payloads ---

// webhookPayload renders what subscribers receive: the event and the
// verification as the API renders it to staff.
func webhookPayload(ev *domain.Event, kinds []string, v *domain.Verification) ([]byte, error) {
	p := gen.WebhookPayload{EventID: ev.ID, Type: gen.WebhookEventKind(kinds[0]), Created: ev.Created, Event: eventAPI(ev), Verification: renderVerification(v, true, ev.Created)}
	for _, k := range kinds {
		p.Kinds = append(p.Kinds, gen.WebhookEventKind(k))
	}
	return json.Marshal(p)
}

// --- subscriptions: staff write, staff and support read ---

func webhookAPI(w *store.Webhook) gen.Webhook {
	out := gen.Webhook{UUID: w.UUID, URL: w.URL, IsActive: w.IsActive, Created: w.Created, Modified: w.Modified, EventKinds: []gen.WebhookEventKind{},
		ConsecutiveFailures: w.Failures, FailingSince: w.FailingSince, NextAttemptAt: w.NextAttemptAt, DisabledAt: w.DisabledAt, DisabledReason: w.DisabledReason}
	for _, k := range w.Kinds {
		out.EventKinds = append(out.EventKinds, gen.WebhookEventKind(k))
	}
	return out
}

func (s *Server) webhookFromRequest(b *gen.WebhookRequest) (*store.Webhook, error) {
	u, err := url.Parse(b.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, domain.FieldError("url", "Enter an absolute http or https URL without credentials.")
	}
	if err := checkWebhookURL(u, s.cfg.WebhookAllowedNetworks); err != nil {
		return nil, err
	}
	w := &store.Webhook{URL: b.URL, IsActive: deref(b.IsActive, true), Kinds: store.Strings{}}
	for _, k := range b.EventKinds {
		if !slices.Contains(w.Kinds, string(k)) {
			w.Kinds = append(w.Kinds, string(k))
		}
	}
	return w, nil
}

func (s *Server) OnboardingWebhooksList(ctx context.Context, req gen.OnboardingWebhooksListRequestObject) (gen.OnboardingWebhooksListResponseObject, error) {
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.Webhook, int, error) {
		return s.store.ListWebhooks(ctx, offset, limit)
	}, webhookAPI)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksList200JSONResponse{Body: body, Headers: gen.OnboardingWebhooksList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingWebhooksCreate(ctx context.Context, req gen.OnboardingWebhooksCreateRequestObject) (gen.OnboardingWebhooksCreateResponseObject, error) {
	w, err := s.webhookFromRequest(req.Body)
	if err != nil {
		return nil, err
	}
	w.Secret = "whsec_" + crand.Text() + crand.Text()
	if err := s.store.SaveWebhook(ctx, w, true); err != nil {
		return nil, err
	}
	out := webhookAPI(w)
	return gen.OnboardingWebhooksCreate201JSONResponse{UUID: out.UUID, URL: out.URL, EventKinds: out.EventKinds, IsActive: out.IsActive,
		Created: out.Created, Modified: out.Modified, Secret: w.Secret}, nil
}

func (s *Server) OnboardingWebhooksRetrieve(ctx context.Context, req gen.OnboardingWebhooksRetrieveRequestObject) (gen.OnboardingWebhooksRetrieveResponseObject, error) {
	w, err := s.store.Webhook(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksRetrieve200JSONResponse(webhookAPI(w)), nil
}

func (s *Server) OnboardingWebhooksUpdate(ctx context.Context, req gen.OnboardingWebhooksUpdateRequestObject) (gen.OnboardingWebhooksUpdateResponseObject, error) {
	w, err := s.editWebhook(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksUpdate200JSONResponse(w), nil
}

func (s *Server) OnboardingWebhooksPartialUpdate(ctx context.Context, req gen.OnboardingWebhooksPartialUpdateRequestObject) (gen.OnboardingWebhooksPartialUpdateResponseObject, error) {
	w, err := s.editWebhook(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksPartialUpdate200JSONResponse(w), nil
}

// editWebhook replaces a subscription (PUT) or changes some of its fields
// (PATCH); the secret stays.
func (s *Server) editWebhook(ctx context.Context, id uuid.UUID, put *gen.WebhookRequest, patch map[string]json.RawMessage) (gen.Webhook, error) {
	old, err := s.store.Webhook(ctx, id)
	if err != nil {
		return gen.Webhook{}, err
	}
	if put, err = putBody(put, patch, webhookAPI(old)); err != nil {
		return gen.Webhook{}, err
	}
	w, err := s.webhookFromRequest(put)
	if err != nil {
		return gen.Webhook{}, err
	}
	w.UUID, w.Created, w.Secret = old.UUID, old.Created, old.Secret
	// The receiver's record stays, unless the subscription is turned on
	// (again): that gives its receiver a fresh start.
	if !w.IsActive || old.IsActive {
		w.WebhookHealth = old.WebhookHealth
	}
	if err := s.store.SaveWebhook(ctx, w, false); err != nil {
		return gen.Webhook{}, err
	}
	return webhookAPI(w), nil
}

func (s *Server) OnboardingWebhooksDestroy(ctx context.Context, req gen.OnboardingWebhooksDestroyRequestObject) (gen.OnboardingWebhooksDestroyResponseObject, error) {
	if err := s.store.DeleteWebhook(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksDestroy204Response{}, nil
}

func deliveryAPI(d *store.Delivery) gen.WebhookDelivery {
	out := gen.WebhookDelivery{UUID: d.UUID, Webhook: d.Webhook, EventID: d.EventID, EventKind: gen.WebhookEventKind(d.EventKind),
		Status: gen.WebhookDeliveryStatus(d.Status), Attempts: d.Attempts, LastAttemptAt: d.LastAttemptAt,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, DeliveredAt: d.DeliveredAt, Created: d.Created}
	if d.Status == store.DeliveryPending {
		out.NextAttemptAt = d.NextAttemptAt
	}
	// The payload was rendered by webhookPayload; it reads back as written.
	_ = json.Unmarshal(d.Payload, &out.Payload)
	return out
}

func (s *Server) OnboardingWebhooksDeliveriesList(ctx context.Context, req gen.OnboardingWebhooksDeliveriesListRequestObject) (gen.OnboardingWebhooksDeliveriesListResponseObject, error) {
	if _, err := s.store.Webhook(ctx, req.UUID); err != nil {
		return nil, err
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.Delivery, int, error) {
		return s.store.ListDeliveries(ctx, req.UUID, offset, limit)
	}, deliveryAPI)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksDeliveriesList200JSONResponse{Body: body, Headers: gen.OnboardingWebhooksDeliveriesList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingWebhooksDeliveriesRedeliver(ctx context.Context, req gen.OnboardingWebhooksDeliveriesRedeliverRequestObject) (gen.OnboardingWebhooksDeliveriesRedeliverResponseObject, error) {
	d, err := s.store.Redeliver(ctx, req.UUID, req.DeliveryUUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingWebhooksDeliveriesRedeliver200JSONResponse(deliveryAPI(d)), nil
}
