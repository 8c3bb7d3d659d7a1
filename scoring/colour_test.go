package scoring

import (
	"strings"
	"testing"
)

func TestSameColourTextIsHidden(t *testing.T) {
	const secret = "cheap pills online casino bonus winner"
	for _, tc := range []struct {
		name, html string
		hidden     bool
	}{
		{"white font on default page", `<p>Hello</p><font color="#ffffff">` + secret + `</font>`, true},
		{"white style, short hex", `<p>Hello</p><span style="color: #FFF">` + secret + `</span>`, true},
		{"rgb white on white body", `<body bgcolor="white"><div style="color:rgb(255,255,255)">` + secret + `</div></body>`, true},
		{"same colour as cell", `<table><tr><td bgcolor="#336699"><font color="#336699">` + secret + `</font></td></tr></table>`, true},
		{"near-same colour", `<div style="background-color:#fefefe"><span style="color:#fafafa">` + secret + `</span></div>`, true},
		{"white on dark cell", `<table><tr><td bgcolor="#003366"><font color="#ffffff">` + secret + `</font></td></tr></table>`, false},
		{"white button with own background", `<a href="https://shop.example/o/1" style="background:#0a6;color:#fff;padding:8px">` + secret + `</a>`, false},
		{"nested visible colour", `<font color="#ffffff"><font color="#330066">` + secret + `</font></font>`, false},
		{"classed element (stylesheet may set a background)", `<a class="btn" style="color:#ffffff">` + secret + `</a>`, false},
		{"unclosed white font in a dark cell", `<table bgcolor="#000000"><tr><td><font color=ffffff>Menu</td></tr><tr bgcolor="#ffffff"><td>` + secret + `</td></tr></table>`, false},
		{"dark text", `<p style="color:#333">` + secret + `</p>`, false},
	} {
		m := Parse(htmlMail("news", tc.html))
		got := strings.Contains(m.HiddenText, "casino")
		if got != tc.hidden {
			t.Errorf("%s: hidden %v, want %v (hidden %q)", tc.name, got, tc.hidden, m.HiddenText)
		}
		if visible := strings.Contains(m.Text(), "casino"); visible == tc.hidden {
			t.Errorf("%s: visible text %q", tc.name, m.Text())
		}
	}
}
