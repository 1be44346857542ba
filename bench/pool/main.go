// Command pool measures the patient pool one request at a time: every
// list, filter, sort, search and count a clinic uses, for a manager (all
// patients) and a consultant (its own), each the median of -n requests
// after a warm-up, printed against its target. bench/pool.sh drives it
// against a database filled by bench/datagen.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the server")
	username := flag.String("username", "admin", "a user who sees every patient and every phone number")
	password := flag.String("password", "", "its password")
	consultant := flag.String("consultant", "kefu01", "a consultant, who sees its own patients")
	consultantPassword := flag.String("consultant-password", "consultant-password", "its password")
	n := flag.Int("n", 11, "requests per measurement (the median is reported)")
	only := flag.String("only", "", "run only the measurements whose name contains this")
	viewerOnly := flag.String("viewer", "", "manager or consultant: measure only this viewer")
	flag.Parse()

	api := strings.TrimRight(*base, "/") + "/back_end/api/v1"
	viewers := []viewer{
		{name: "manager", token: login(api, *username, *password)},
		{name: "consultant", token: login(api, *consultant, *consultantPassword)},
	}
	now := time.Now().Unix()
	month, year := fmt.Sprint(now-30*86400), fmt.Sprint(now-365*86400)
	fmt.Printf("| viewer | request | median | p90 | count | target |\n|---|---|---|---|---|---|\n")
	for _, v := range viewers {
		if *viewerOnly != "" && v.name != *viewerOnly {
			continue
		}
		sample := samplePatient(api, v.token)
		authorID := sample.AuthorID
		cases := []measurement{
			{"page 1", "", "", 20},
			{"page 10,000", "", "page=10000", 0}, // target: 2× page 1
			{"count=1", "", "count=1", 20},
			{"recycle bin, page 1", "", "deleted=1", 20},
			{"state=1", "", "state=1", 20},
			{"author_id", "", "author_id=" + authorID, 20},
			{"doctor_id=2", "", "doctor_id=2", 20},
			{"media_from_id=3", "", "media_from_id=3", 20},
			{"disease_id=4", "", "disease_id=4", 20},
			{"doctor_id=0 (none)", "", "doctor_id=0", 20},
			{"add_time, last 30 days", "", "add_time_from=" + month, 20},
			{"order_time, last 30 days", "", "order_time_from=" + month, 20},
			{"reach_time, last 30 days", "", "reach_time_from=" + month, 20},
			{"add_time, last year", "", "add_time_from=" + year, 20},
			{"q=王 (common surname)", "", "q=" + url.QueryEscape("王"), 200},
			{"q=张伟 (two characters)", "", "q=" + url.QueryEscape("张伟"), 200},
			{"q=覃 (rare surname)", "", "q=" + url.QueryEscape("覃"), 200},
			{"q=女士 (part of a name)", "", "q=" + url.QueryEscape("女士"), 200},
			{"q=whole phone", "", "q=" + sample.Tel, 20},
			{"q=last 4 digits", "", "q=" + sample.Tel[len(sample.Tel)-4:], 20},
			{"q=WeChat", "", "q=" + url.QueryEscape(sample.Wechat), 20},
			{"q=QQ", "", "q=" + sample.QQ, 20},
		}
		// The CRM screens: the due lists and the revenue report (≤ 100 ms),
		// the other reports, a marketing filter.
		today := time.Now().Format(time.DateOnly)
		monthAgo := time.Now().AddDate(0, -1, 0).Format(time.DateOnly)
		yearAgo := time.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
		cases = append(cases,
			measurement{"due today", "/followup/due/", "due=today", 100},
			measurement{"due overdue", "/followup/due/", "due=overdue", 100},
			measurement{"due upcoming", "/followup/due/", "due=upcoming", 100},
			measurement{"keyword filter", "", "keyword=" + url.QueryEscape("温州男科医院"), 200},
			measurement{"revenue, 30 days by day and channel", "/report/revenue/", "group=day&by=media&from=" + monthAgo + "&to=" + today, 100},
			measurement{"revenue, a year by month and consultant", "/report/revenue/", "group=month&by=author&from=" + yearAgo + "&to=" + today, 100},
			measurement{"funnel, 30 days", "/report/funnel/", "from=" + monthAgo + "&to=" + today, 200},
			measurement{"follow-ups per consultant, 30 days", "/report/followups/", "from=" + monthAgo + "&to=" + today, 200},
			measurement{"rank by revenue, this month", "/rank/", "type=revenue", 200},
		)
		for _, col := range []string{"id", "name", "sex", "age", "add_time", "order_time", "reach_time", "state",
			"author_id", "doctor_id", "disease_id", "media_from_id", "next_followup_time"} {
			for _, order := range []string{"asc", "desc"} {
				cases = append(cases, measurement{"sort " + col + " " + order, "", "sort_by=" + col + "&order=" + order, 50})
			}
		}
		var page1 time.Duration
		for _, m := range cases {
			if *only != "" && !strings.Contains(m.name, *only) {
				continue
			}
			if m.path == "" {
				m.path = "/patient/"
			}
			if v.name == "consultant" && strings.HasPrefix(m.path, "/r") {
				continue // reports need report.view
			}
			u := api + m.path + "?token=" + v.token
			if m.query != "" {
				u += "&" + m.query
			}
			if m.query == "deleted=1" && v.name == "consultant" {
				continue // a consultant has no recycle bin (patient.restore)
			}
			median, p90, count := measure(u, *n)
			target := "—"
			switch {
			case m.name == "page 1":
				page1 = median
				target = pass(median, 20*time.Millisecond) + " ≤ 20 ms"
			case m.name == "page 10,000" && page1 > 0:
				target = pass(median, 2*page1) + fmt.Sprintf(" ≤ 2× page 1 (%.1f×)", float64(median)/float64(page1))
			case m.targetMS > 0:
				target = pass(median, time.Duration(m.targetMS)*time.Millisecond) + fmt.Sprintf(" ≤ %d ms", m.targetMS)
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", v.name, m.name, ms(median), ms(p90), count, target)
		}
	}
}

type viewer struct{ name, token string }

type measurement struct {
	name, path, query string // path "" is the pool, /patient/
	targetMS          int
}

type patient struct {
	AuthorID string `json:"authorId"`
	Tel      string `json:"tel"`
	Wechat   string `json:"wechat"`
	QQ       string `json:"qq"`
}

// samplePatient finds, among the viewer's newest patients, a phone number,
// a WeChat id and a QQ number to search for.
func samplePatient(api, token string) patient {
	var body struct {
		PatientData []struct {
			AuthorID string  `json:"authorId"`
			Tel      *string `json:"tel"`
			Wechat   *string `json:"wechat"`
			QQ       *string `json:"qq"`
		} `json:"patient_data"`
	}
	if err := json.Unmarshal(get(api+"/patient/?per_page=100&page=3&token="+token), &body); err != nil {
		fail(err)
	}
	var p patient
	for _, row := range body.PatientData {
		if p.AuthorID == "" {
			p.AuthorID = row.AuthorID
		}
		if p.Tel == "" && row.Tel != nil && !strings.Contains(*row.Tel, "*") {
			p.Tel = *row.Tel
		}
		if p.Wechat == "" && row.Wechat != nil {
			p.Wechat = *row.Wechat
		}
		if p.QQ == "" && row.QQ != nil {
			p.QQ = *row.QQ
		}
	}
	if p.Tel == "" || p.Wechat == "" || p.QQ == "" {
		fail(fmt.Errorf("no patient with a phone, a WeChat and a QQ among the first 300"))
	}
	return p
}

func pass(got, limit time.Duration) string {
	if got <= limit {
		return "✓"
	}
	return "✗"
}

// measure returns the median and 90th percentile of n requests after one
// warm-up, and the total the responses report.
func measure(u string, n int) (median, p90 time.Duration, count string) {
	first := get(u)
	var body struct {
		Count json.Number `json:"count"`
	}
	_ = json.Unmarshal(first, &body)
	times := make([]time.Duration, n)
	for i := range times {
		start := time.Now()
		get(u)
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[n/2], times[n*9/10], body.Count.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func login(api, username, password string) string {
	resp, err := http.PostForm(api+"/token/", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" {
		fail(fmt.Errorf("login %s failed", username))
	}
	return body.Token
}

var client = &http.Client{Timeout: 60 * time.Second}

func get(u string) []byte {
	resp, err := client.Get(u)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || strings.Contains(string(b[:min(len(b), 200)]), `"stateCode"`) {
		fail(fmt.Errorf("GET %s: %d %.200s (%v)", u[:strings.Index(u, "?")], resp.StatusCode, b, err))
	}
	return b
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pool:", err)
	os.Exit(1)
}
