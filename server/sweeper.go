package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
)

// Sweep expires verifications past their time and deletes failed or expired
// ones untouched for cfg.Retention, every cfg.SweepInterval until ctx is
// done. Several replicas may sweep one database: see store.Sweep.
func Sweep(ctx context.Context, cfg Config, s *store.Store, logger *slog.Logger) {
	cfg = cfg.withDefaults()
	tick := time.NewTicker(cfg.SweepInterval)
	defer tick.Stop()
	for {
		now := domain.Now()
		expired, deleted, err := s.Sweep(ctx, now, now.Add(-cfg.Retention))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("sweep failed; trying again next interval", "error", err.Error())
		case expired+deleted > 0:
			logger.Info("swept", "expired", expired, "deleted", deleted)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
