package server

import (
	"context"
	"time"

	"github.com/onboarding-kyb/onboarding/metrics"
)

// Sweep expires verifications past their time, deletes failed or expired
// ones untouched for Retention, expired Idempotency-Key records and the
// audit trails of verifications deleted longer ago than Retention, every
// SweepInterval until ctx is done.
// Several replicas may sweep one database: see store.Sweep.
func (s *Server) Sweep(ctx context.Context) {
	tick := time.NewTicker(s.cfg.SweepInterval)
	defer tick.Stop()
	logger := s.logger
	for {
		began, now := time.Now(), s.clock.Now()
		expired, deleted, err := s.store.Sweep(ctx, now, now.Add(-s.cfg.Retention))
		keys := 0
		var events int64
		if err == nil {
			keys, err = s.store.DeleteExpiredIdempotencyKeys(ctx, now)
		}
		if err == nil {
			events, err = s.store.SweepTrails(ctx, now.Add(-s.cfg.Retention))
		}
		if ctx.Err() == nil {
			s.metrics.JobRun(metrics.JobSweeper, expired+deleted+keys, err != nil, time.Since(began))
		}
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("sweep failed; trying again next interval", "error", err.Error())
		case expired+deleted+keys > 0 || events > 0:
			logger.Info("swept", "expired", expired, "deleted", deleted, "idempotency_keys_deleted", keys, "events_deleted", events)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
