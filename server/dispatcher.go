package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/onboarding-kyb/onboarding/metrics"
	"github.com/onboarding-kyb/onboarding/store"
)

const (
	deliveryTimeout = 10 * time.Second // per attempt
	deliveryLease   = time.Minute      // a claimed subscription or delivery is nobody else's for this long
	claimHooks      = 20               // subscriptions claimed at once
	claimPerHook    = 10               // deliveries of a healthy subscription claimed at once (a failing one: 1)
	maxRetryDelay   = time.Hour
	// A pass stops claiming after passBatches claims or passTime, so it
	// ends (and is recorded) however large the backlog: the next pass
	// goes on where it stopped.
	passBatches = 10
	passTime    = 5 * time.Second
)

// Dispatch sends due webhook deliveries every WebhookInterval until ctx is
// done. Several replicas may dispatch from one database: each subscription
// and each delivery is claimed by one of them (store.ClaimDeliveries).
func (s *Server) Dispatch(ctx context.Context) {
	tick := time.NewTicker(s.cfg.WebhookInterval)
	defer tick.Stop()
	for {
		s.dispatchOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// dispatchOnce is one bounded pass: it claims due deliveries, subscription
// by subscription, sends them and records the outcomes, until nothing is
// due or the pass's bounds are reached; then it records its run and the
// backlog.
func (s *Server) dispatchOnce(ctx context.Context) {
	var runErr error
	began := time.Now()
	for range passBatches {
		if ctx.Err() != nil || time.Since(began) > passTime {
			break
		}
		claims, err := s.store.ClaimDeliveries(ctx, s.clock.Now(), deliveryLease, claimHooks, claimPerHook)
		if err != nil {
			runErr = err
			break
		}
		more := len(claims) == claimHooks // more subscriptions may be due, or more of a claimed one's deliveries
		var wg sync.WaitGroup
		for i := range claims {
			more = more || len(claims[i].Deliveries) == claimPerHook
			wg.Go(func() { s.deliverClaim(ctx, &claims[i]) })
		}
		wg.Wait()
		if !more {
			break
		}
	}
	if ctx.Err() != nil {
		return
	}
	backlog, err := s.store.PendingDeliveries(ctx)
	if runErr == nil {
		runErr = err
	}
	if runErr != nil {
		s.logger.Warn("webhook dispatch failed; trying again next interval", "error", runErr.Error())
	}
	s.metrics.JobRun(metrics.JobDispatcher, backlog, runErr != nil, time.Since(began))
}

// deliverClaim sends a subscription's claimed deliveries in parallel, then
// records how its receiver answered: a round with any success makes it
// healthy; a round of failures backs the whole subscription off
// (retryDelay of its failed rounds), and once it has failed for
// WebhookDisableAfter it is disabled.
func (s *Server) deliverClaim(ctx context.Context, c *store.Claim) {
	var wg sync.WaitGroup
	results := make([]error, len(c.Deliveries))
	for i := range c.Deliveries {
		wg.Go(func() { results[i] = s.deliver(ctx, &c.Deliveries[i]) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down: the leases run out and a dispatcher tries again
	}
	now := s.clock.Now()
	w := &c.Webhook
	var failure error // why the round failed; nil when an attempt succeeded
	if len(results) > 0 && !slices.ContainsFunc(results, func(err error) bool { return err == nil }) {
		failure = results[len(results)-1]
	}
	switch {
	case len(results) == 0: // its deliveries were taken meanwhile: only the lease ends
		w.NextAttemptAt = &now
	case failure == nil:
		w.Failures, w.FailingSince, w.NextAttemptAt = 0, nil, &now // served now: the others come first next time
	default:
		w.Failures++
		if w.FailingSince == nil {
			w.FailingSince = &now
		}
		next := now.Add(retryDelay(s.cfg.WebhookRetryBase, w.Failures))
		w.NextAttemptAt = &next
		if now.Sub(*w.FailingSince) >= s.cfg.WebhookDisableAfter {
			w.DisabledAt = &now
			w.DisabledReason = fmt.Sprintf("Disabled after failing since %s (%d rounds of attempts): %v",
				w.FailingSince.Format(time.RFC3339), w.Failures, failure)
			s.metrics.WebhookDisabled()
			s.logger.Warn("webhook subscription disabled", "webhook", w.UUID, "failing_since", *w.FailingSince, "error", failure.Error())
		}
	}
	if err := s.store.RecordHealth(context.WithoutCancel(ctx), w); err != nil {
		s.logger.Warn("cannot record a webhook subscription's health", "webhook", w.UUID, "error", err.Error())
	}
}

// deliver makes one attempt and records its outcome: delivered on a 2xx
// answer; otherwise retried after an exponential delay with jitter, until
// WebhookRetryFor has passed since the delivery was queued, then failed.
// It returns why the attempt failed.
func (s *Server) deliver(ctx context.Context, d *store.Outgoing) error {
	status, err := s.send(ctx, d)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	now := s.clock.Now()
	d.LastStatusCode, d.LastError = nil, ""
	if status != 0 {
		d.LastStatusCode = &status
	}
	if err == nil && (status < 200 || status >= 300) {
		err = fmt.Errorf("the receiver answered HTTP %d", status)
	}
	if err == nil {
		d.Status, d.DeliveredAt, d.NextAttemptAt = store.DeliveryDelivered, &now, nil
	} else {
		s.metrics.JobFailures(metrics.JobDispatcher, 1)
		d.LastError = err.Error()
		next := now.Add(retryDelay(s.cfg.WebhookRetryBase, d.Attempts))
		if next.Sub(d.RetrySince) > s.cfg.WebhookRetryFor {
			d.Status, d.NextAttemptAt = store.DeliveryFailed, nil
		} else {
			d.NextAttemptAt = &next
		}
	}
	if err := s.store.FinishAttempt(context.WithoutCancel(ctx), &d.Delivery); err != nil {
		s.logger.Warn("cannot record a webhook attempt", "delivery", d.UUID, "error", err.Error())
	}
	return err
}

// retryDelay is base·2^(attempts-1), at most maxRetryDelay, with full
// jitter in its upper half, so receivers coming back are not hit by every
// retry at once.
func retryDelay(base time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, maxRetryDelay)
	return d/2 + rand.N(d/2+1)
}

// send POSTs the payload, signed; it returns the receiver's status.
func (s *Server) send(ctx context.Context, d *store.Outgoing) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "onboarding-kyb-webhooks")
	req.Header.Set(SignatureHeader, Sign(d.Secret, time.Now(), d.Payload))
	req.Header.Set(EventHeader, d.EventKind)
	req.Header.Set(DeliveryHeader, d.UUID.String())
	res, err := s.webhooks.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}
