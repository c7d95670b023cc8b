package server_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/config"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
)

// Webhook targets inside the network are refused by default: when the
// subscription is saved (an address, or localhost) and again when a
// delivery connects (the address the name resolves to then). Only
// loopback addresses are used: the other ranges are refused at create,
// so no traffic goes to them.
func TestWebhookTargetsInsideTheNetwork(t *testing.T) {
	t.Parallel()
	cfg := server.Config{WebhookAllowedNetworks: []netip.Prefix{}, WebhookInterval: 5 * time.Millisecond,
		WebhookRetryBase: time.Hour, WebhookRetryFor: 24 * time.Hour}
	forEachDBWith(t, cfg, func(t *testing.T, a *api) {
		r := newReceiver(t)
		port := r.srv.URL[strings.LastIndex(r.srv.URL, ":")+1:]
		for _, target := range []string{
			r.srv.URL + "/hook",
			"http://localhost:" + port + "/hook",
			"http://LOCALHOST.:" + port + "/hook",
			"http://[::1]:22/",
			"http://[::ffff:127.0.0.1]:" + port + "/",
			"http://0.0.0.0:" + port + "/",
			"http://169.254.169.254/latest/meta-data/",
			"http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
			"http://[fd00::1]/", "http://[fe80::1]/",
		} {
			res := a.do(t, "POST", hooks, a.staffT, map[string]any{"url": target, "event_kinds": allKinds})
			wantStatus(t, res, http.StatusBadRequest)
			if msgs, _ := res.Object(t)["url"].([]any); len(msgs) == 0 || !strings.Contains(msgs[0].(string), "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS") {
				t.Fatalf("%s: %s", target, res.Body)
			}
		}
		// A name resolving inside the network when the delivery connects
		// (as DNS rebinding would make it) is refused by the dialer.
		u, _ := url.Parse(r.srv.URL)
		w := &store.Webhook{URL: "http://localhost:" + u.Port() + "/hook", IsActive: true, Kinds: store.Strings(allKinds), Secret: "whsec_x"}
		if err := a.store.SaveWebhook(context.Background(), w, true); err != nil {
			t.Fatal(err)
		}
		dispatch(t, a.server)
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
		var ds []map[string]any
		waitFor(t, "the refused attempt recorded", func() bool {
			a.do(t, "GET", hooks+w.UUID.String()+"/deliveries/", a.staffT, nil).JSON(t, &ds)
			return len(ds) == 1 && ds[0]["last_error"] != ""
		})
		if !strings.Contains(ds[0]["last_error"].(string), "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS") || ds[0]["last_status_code"] != nil {
			t.Fatalf("delivery to a refused address: %v", ds[0])
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.calls != 0 {
			t.Fatalf("the receiver on loopback got %d requests", r.calls)
		}
	})
}

func TestParseNetworks(t *testing.T) {
	got, err := server.ParseNetworks(" 10.1.0.0/16, 127.0.0.1 ,::1,fd00::/8")
	if err != nil || len(got) != 4 || got[1].String() != "127.0.0.1/32" || got[2].String() != "::1/128" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := server.ParseNetworks("10.0.0.0/33"); err == nil {
		t.Fatal("accepted 10.0.0.0/33")
	}
	if _, err := config.Load(func(k string) string {
		if k == "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS" {
			return "intranet"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS") {
		t.Fatalf("a bad setting: %v", err)
	}
	cfg, err := config.Load(func(k string) string {
		if k == "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS" {
			return "127.0.0.0/8,::1"
		}
		return ""
	})
	if err != nil || len(cfg.Server.WebhookAllowedNetworks) != 2 || cfg.Server.WebhookAllowedNetworks[1].String() != "::1/128" {
		t.Fatalf("%v %v", cfg.Server.WebhookAllowedNetworks, err)
	}
	var out strings.Builder
	if err := config.Print(&out, cfg); err != nil || !strings.Contains(out.String(), "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8,::1/128\n") {
		t.Fatalf("onboarding config prints %v:\n%s", err, out.String())
	}
}
