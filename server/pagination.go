package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// pageLinks renders the RFC 8288 Link header of a page: first, prev, next
// and last, as absolute URLs that keep the request's other parameters.
func pageLinks(ctx context.Context, page, size, total int) string {
	r := currentRequest(ctx)
	last := max(1, (total+size-1)/size)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	link := func(p int, rel string) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s://%s%s?%s>; rel="%s"`, scheme, r.Host, r.URL.Path, q.Encode(), rel)
	}
	links := []string{link(1, "first")}
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(last, "last"))
	return strings.Join(links, ", ")
}
