package report

// The charts are drawn here with image/png and the 7x13 bitmap font of
// golang.org/x/image rather than with a plotting library: a grouped bar chart
// with min–max whiskers is a hundred lines, while gonum/plot would pull a
// vector graphics stack and TrueType fonts into the bench module for the
// same picture, and the output would depend on its rendering defaults.

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white   = color.RGBA{255, 255, 255, 255}
	black   = color.RGBA{20, 20, 20, 255}
	grey    = color.RGBA{110, 110, 110, 255}
	light   = color.RGBA{225, 225, 225, 255}
	palette = map[string]color.RGBA{
		"node":    {68, 136, 62, 255},
		"zishang": {230, 140, 40, 255},
		"rawws":   {130, 130, 140, 255},
		"gosio":   {45, 110, 200, 255},
	}
	fallback = []color.RGBA{{160, 60, 160, 255}, {60, 160, 160, 255}, {160, 60, 60, 255}}
)

const (
	panelW, panelH = 340, 300
	headerH        = 34
	charW, lineH   = 7, 13
)

type canvas struct{ *image.RGBA }

func (c canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.RGBA, image.Rect(x0, y0, x1, y1), &image.Uniform{col}, image.Point{}, draw.Src)
}

func (c canvas) hline(x0, x1, y int, col color.Color) { c.rect(x0, y, x1+1, y+1, col) }
func (c canvas) vline(x, y0, y1 int, col color.Color) { c.rect(x, y0, x+1, y1+1, col) }

// text draws s with its left edge at x and its baseline at y.
func (c canvas) text(x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: c.RGBA, Src: &image.Uniform{col}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c canvas) centered(cx, y int, s string, col color.Color) {
	c.text(cx-len(s)*charW/2, y, s, col)
}

// niceStep returns a round tick step (1, 2 or 5 times a power of ten) giving
// about n ticks up to max.
func niceStep(max float64, n int) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// chart draws one PNG for a scenario: one panel per charted metric, a bar
// per server at its median with a whisker from min to max. It returns false
// when the scenario has no figure to draw.
func (r *Run) chart(sc Scenario, path string) (bool, error) {
	var ms []Metric
	for _, m := range r.Metrics {
		if m.Scenario == sc.ID && m.Chart {
			if _, ok := r.anyStat(m.Key); ok {
				ms = append(ms, m)
			}
		}
	}
	if len(ms) == 0 {
		return false, nil
	}
	cols := min(3, len(ms))
	if len(ms) == 4 {
		cols = 2
	}
	rows := (len(ms) + cols - 1) / cols
	img := canvas{image.NewRGBA(image.Rect(0, 0, cols*panelW, headerH+rows*panelH))}
	img.rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy(), white)
	img.text(10, 22, sc.ID+": "+sc.Title+"   (bar: median, whisker: min-max)", black)
	for i, m := range ms {
		x0 := (i % cols) * panelW
		y0 := headerH + (i/cols)*panelH
		r.panel(img, x0, y0, m)
	}
	f, err := os.Create(path)
	if err != nil {
		return false, err
	}
	if err := png.Encode(f, img.RGBA); err != nil {
		f.Close()
		return false, err
	}
	return true, f.Close()
}

// tick labels an axis value with no more decimals than the step needs.
func tick(v, step float64) string {
	if v >= 1e4 || step >= 1 {
		if v >= 1e4 {
			return Num(v)
		}
		return fmt.Sprintf("%.0f", v)
	}
	dec := int(math.Ceil(-math.Log10(step)))
	return fmt.Sprintf("%.*f", dec, v)
}

// wrap breaks s into at most n lines of at most width characters, at spaces.
func wrap(s string, width, n int) []string {
	var lines []string
	for len(s) > width && len(lines) < n-1 {
		cut := strings.LastIndexByte(s[:width+1], ' ')
		if cut <= 0 {
			cut = width
		}
		lines = append(lines, s[:cut])
		s = strings.TrimLeft(s[cut:], " ")
	}
	if len(s) > width {
		s = s[:width-2] + ".."
	}
	return append(lines, s)
}

func (r *Run) anyStat(key string) (Stat, bool) {
	for _, s := range r.Servers {
		if st, ok := r.Stat(key, s.Name); ok {
			return st, true
		}
	}
	return Stat{}, false
}

func (r *Run) panel(img canvas, x0, y0 int, m Metric) {
	title := m.Name
	if m.Unit != "" && !strings.HasPrefix(m.Unit, "1/") {
		title += " (" + m.Unit + ")"
	}
	if !m.Higher {
		title += ", lower is better"
	}
	for i, line := range wrap(title, (panelW-16)/charW, 2) {
		img.text(x0+8, y0+16+i*lineH, line, black)
	}

	left, right := x0+52, x0+panelW-12
	top, bottom := y0+48, y0+panelH-34
	maxV := 0.0
	stats := make([]Stat, len(r.Servers))
	have := make([]bool, len(r.Servers))
	for i, s := range r.Servers {
		stats[i], have[i] = r.Stat(m.Key, s.Name)
		if have[i] {
			maxV = math.Max(maxV, stats[i].Max)
		}
	}
	step := niceStep(maxV*1.1, 5)
	top5 := math.Ceil(maxV*1.1/step) * step
	if top5 <= 0 {
		top5 = 1
	}
	y := func(v float64) int { return bottom - int(math.Round(v/top5*float64(bottom-top))) }
	for v := 0.0; v <= top5+step/2; v += step {
		yy := y(v)
		img.hline(left, right, yy, light)
		lab := tick(v, step)
		img.text(left-6-len(lab)*charW, yy+4, lab, grey)
	}
	img.vline(left, top, bottom, grey)
	img.hline(left, right, bottom, grey)

	n := len(r.Servers)
	slot := (right - left) / n
	barW := slot * 3 / 5
	for i, s := range r.Servers {
		cx := left + slot*i + slot/2
		img.centered(cx, bottom+16, s.Name, black)
		if !have[i] {
			img.centered(cx, bottom-6, "n/a", grey)
			continue
		}
		col, ok := palette[s.Name]
		if !ok {
			col = fallback[i%len(fallback)]
		}
		st := stats[i]
		img.rect(cx-barW/2, y(st.Med), cx+barW/2, bottom, col)
		// whisker
		img.vline(cx, y(st.Max), y(st.Min), black)
		img.hline(cx-5, cx+5, y(st.Max), black)
		img.hline(cx-5, cx+5, y(st.Min), black)
		img.centered(cx, y(st.Max)-5, Num(st.Med), black)
	}
}
