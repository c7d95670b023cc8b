package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
)

// Webhook targets: a subscription may not make the service send requests
// into its own network (cloud metadata, admin ports, other services), and
// so let whoever can create subscriptions probe it through the deliveries
// list. Addresses of these kinds are refused unless
// ONBOARDING_WEBHOOK_ALLOWED_NETWORKS holds them.
var refusedNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"; 0.0.0.0 reaches the host itself
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, shared address space
}

// Networks is ONBOARDING_WEBHOOK_ALLOWED_NETWORKS: CIDRs or single
// addresses, comma-separated.
type Networks []netip.Prefix

// UnmarshalText reads Networks from the variable's value.
func (n *Networks) UnmarshalText(text []byte) error {
	parsed, err := ParseNetworks(string(text))
	if err != nil {
		return fmt.Errorf("ONBOARDING_WEBHOOK_ALLOWED_NETWORKS: %w", err)
	}
	*n = parsed
	return nil
}

// String is the variable's value, comma-separated.
func (n Networks) String() string {
	parts := make([]string, len(n))
	for i, p := range n {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// ParseNetworks reads CIDRs or single addresses, comma-separated.
func ParseNetworks(v string) (Networks, error) {
	var out Networks
	for _, field := range strings.Split(v, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		if p, err := netip.ParsePrefix(field); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(field)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", field)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// checkTarget refuses an address inside the network (loopback, link-local,
// private, unique-local, unspecified, multicast) unless allowed holds it.
func checkTarget(a netip.Addr, allowed Networks) error {
	a = a.Unmap()
	if slices.ContainsFunc(allowed, func(p netip.Prefix) bool { return p.Contains(a) }) {
		return nil
	}
	if a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() ||
		a.IsMulticast() || a.IsPrivate() || a.IsUnspecified() ||
		slices.ContainsFunc(refusedNetworks, func(p netip.Prefix) bool { return p.Contains(a) }) {
		return fmt.Errorf("webhook target %s is a loopback, link-local, private or unique-local address; allow its network with ONBOARDING_WEBHOOK_ALLOWED_NETWORKS", a)
	}
	return nil
}

// checkWebhookURL is the check when a subscription is saved: a host given
// as an address, or named localhost, must be allowed. Other names are
// checked on every delivery against the addresses they resolve to then
// (webhookClient), since DNS may answer differently later.
func checkWebhookURL(u *url.URL, allowed Networks) error {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		host = "127.0.0.1"
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	if err := checkTarget(a, allowed); err != nil {
		return domain.FieldError("url", "Webhook URLs may not point at loopback, link-local, private or unique-local addresses ("+a.String()+"); an operator may allow a network with ONBOARDING_WEBHOOK_ALLOWED_NETWORKS.")
	}
	return nil
}

// newWebhookClient sends deliveries: no redirects (a 3xx is a failed
// attempt), no proxy, and every connection's resolved address checked
// (checkTarget) just before it is made, so DNS cannot rebind a name
// into the network after it was saved.
func newWebhookClient(allowed Networks) *http.Client {
	dialer := &net.Dialer{Timeout: deliveryTimeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			return checkTarget(ap.Addr(), allowed)
		}}
	return &http.Client{
		Timeout: deliveryTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   deliveryTimeout,
			ResponseHeaderTimeout: deliveryTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
