package server

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/onboarding-kyb/onboarding/domain"
)

var errInvalidPage = domain.Errorf(domain.ENotFound, "Invalid page.")

// paginate fetches one page (page and page_size default to 1 and 10) and
// renders it: the body, the total for X-Result-Count and the Link header.
// A page past the end is a 404, as DRF answers.
func paginate[T, A any](ctx context.Context, pageP, sizeP *int, fetch func(offset, limit int) ([]T, int, error), render func(*T) A) ([]A, int, string, error) {
	page, size := deref(pageP, 1), deref(sizeP, 10)
	if page-1 > (math.MaxInt64-size)/size {
		return nil, 0, "", errInvalidPage // its offset overflows: far past the end
	}
	rows, total, err := fetch((page-1)*size, size)
	if err != nil {
		return nil, 0, "", err
	}
	if len(rows) == 0 && page > 1 {
		return nil, 0, "", errInvalidPage
	}
	body := make([]A, len(rows))
	for i := range rows {
		body[i] = render(&rows[i])
	}
	return body, total, pageLinks(ctx, page, size, total), nil
}

// pageLinks renders the RFC 8288 Link header of a page: first, prev, next
// and last, as absolute URLs that keep the request's other parameters the
// operation declares (nothing else the client sent is echoed).
func pageLinks(ctx context.Context, page, size, total int) string {
	r := currentRequest(ctx)
	last := max(1, (total+size-1)/size)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	sent := r.URL.Query()
	q := url.Values{}
	names, _ := ctx.Value(queryParamsKey).([]string)
	for _, name := range names {
		if v, ok := sent[name]; ok {
			q[name] = v
		}
	}
	link := func(p int, rel string) string {
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
