// Package console holds the review console's pages and assets: the
// html/template pages (rendered by server/, which holds the handlers) and
// the static files, embedded into the binary, so the console works offline
// and needs no CDN.
package console

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Static serves the console's CSS and JavaScript.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed directive above guarantees the folder
	}
	return sub
}

// Pages are the console's pages, each rendered inside the layout.
type Pages struct{ byName map[string]*template.Template }

// pageNames are the templates/ files that are pages.
var pageNames = []string{"signin", "queue", "case", "alerts", "error"}

// Parse parses every page with the layout.
func Parse() (*Pages, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templates, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	p := &Pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(templates, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// Render writes page with data.
func (p *Pages) Render(w io.Writer, page string, data any) error {
	t, ok := p.byName[page]
	if !ok {
		return fmt.Errorf("no console page %q", page)
	}
	return t.ExecuteTemplate(w, "layout.html", data)
}

var funcs = template.FuncMap{
	// age is how long ago t was, as a badge shows it: 3 d, 5 h, 12 min.
	"age": func(t, now time.Time) string {
		d := now.Sub(t)
		switch {
		case d >= 48*time.Hour:
			return fmt.Sprintf("%d d", int(d.Hours()/24))
		case d >= time.Hour:
			return fmt.Sprintf("%d h", int(d.Hours()))
		}
		return fmt.Sprintf("%d min", max(0, int(d.Minutes())))
	},
	// old reports whether t is more than days days before now.
	"old":  func(t, now time.Time, days int) bool { return now.Sub(t) > time.Duration(days)*24*time.Hour },
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
	},
}
