package server

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
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
	last := max(1, (total+size-1)/size)
	next := ""
	if page < last {
		next = "page=" + strconv.Itoa(page+1)
	}
	return body, total, pageLinks(ctx, page, next, last), nil
}

// pageSpan returns the offset and size of the page of a list served by
// keyset (the verification list); a page number at any depth is served,
// and a page past the end is a 404 "Invalid page." once it comes back empty.
func pageSpan(pageP, sizeP *int, cursor string) (offset, size int, err error) {
	page, size := deref(pageP, 1), deref(sizeP, 10)
	if cursor != "" {
		return 0, size, nil
	}
	if page-1 > (math.MaxInt64-size)/size {
		return 0, 0, errInvalidPage // its offset overflows: far past the end
	}
	return (page - 1) * size, size, nil
}

// keysetLinks renders the Link header of a page of a list served by
// pageSpan: next is a page number while it starts within window rows and a
// cursor after that (and on every page reached by cursor), which costs the
// same at any depth; last is there only while the count is exact (at most
// store.CountLimit, so a page number reaches it); prev only on numbered
// pages.
func keysetLinks(ctx context.Context, pageP *int, size, window int, cursor string, p store.VerificationPage) string {
	page := deref(pageP, 1)
	next := ""
	switch {
	case p.Next == "":
	case cursor == "" && page*size < window:
		next = "page=" + strconv.Itoa(page+1)
	default:
		next = "cursor=" + p.Next
	}
	last := 0
	if p.Exact {
		last = max(1, (p.Total+size-1)/size)
	}
	if cursor != "" {
		page = 0 // no prev: a cursor only goes forward
	}
	return pageLinks(ctx, page, next, last)
}

// pageLinks renders the RFC 8288 Link header of a page: first, prev (when
// page > 1), next (when next, a "page=N" or "cursor=C" parameter, is set)
// and last (when last > 0), as absolute URLs that keep the request's other
// parameters the operation declares (nothing else the client sent is
// echoed).
func pageLinks(ctx context.Context, page int, next string, last int) string {
	r := currentRequest(ctx)
	sent := r.URL.Query()
	q := url.Values{}
	for _, name := range stateOf(ctx).queryParams {
		if v, ok := sent[name]; ok && name != "page" && name != "cursor" {
			q[name] = v
		}
	}
	link := func(param, rel string) string {
		name, value, _ := strings.Cut(param, "=")
		q.Set(name, value)
		defer q.Del(name)
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, absoluteURL(ctx, r.URL.Path), q.Encode(), rel)
	}
	links := []string{link("page=1", "first")}
	if page > 1 {
		prev := page - 1
		if last > 0 {
			prev = min(prev, last)
		}
		links = append(links, link("page="+strconv.Itoa(prev), "prev"))
	}
	if next != "" {
		links = append(links, link(next, "next"))
	}
	if last > 0 {
		links = append(links, link("page="+strconv.Itoa(last), "last"))
	}
	return strings.Join(links, ", ")
}

// absoluteURL is path on this service, as the request reached it
// (scheme and host): for Link headers and hyperlinked `url` fields.
func absoluteURL(ctx context.Context, path string) string {
	r := currentRequest(ctx)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
