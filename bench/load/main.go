// Command load measures a running server: the median and 95th percentile
// of the dashboard and of month reports, the export rate, and (given the
// server's pid) its peak resident memory. bench/run.sh drives it against a
// database filled by bench/datagen.
package main

import (
	"bufio"
	"encoding/csv"
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
	username := flag.String("username", "admin", "a user who sees every patient")
	password := flag.String("password", "", "its password")
	consultant := flag.String("consultant", "kefu01", "a consultant, for the scoped dashboard")
	consultantPassword := flag.String("consultant-password", "consultant-password", "its password")
	month := flag.String("month", time.Now().Format("2006-01"), "the month of the reports (yyyy-mm)")
	n := flag.Int("n", 30, "requests per measurement")
	pid := flag.Int("pid", 0, "the server's pid, to report its peak RSS")
	skipXLSX := flag.Bool("skip-xlsx", false, "skip the XLSX export")
	flag.Parse()

	api := strings.TrimRight(*base, "/") + "/back_end/api/v1"
	admin := login(api, *username, *password)
	kefu := login(api, *consultant, *consultantPassword)
	from, _ := time.Parse("2006-01", *month)
	to := from.AddDate(0, 1, -1)
	report := func(extra string) string {
		return fmt.Sprintf("%s/report/?token=%s&from=%s&to=%s%s", api, admin, from.Format(time.DateOnly), to.Format(time.DateOnly), extra)
	}
	fmt.Printf("| request | median | p95 | min |\n|---|---|---|---|\n")
	for _, m := range []struct{ name, url string }{
		{"dashboard (all patients)", api + "/dashboard/?token=" + admin},
		{"dashboard (a consultant's own)", api + "/dashboard/?token=" + kefu},
		{"report: one month by day", report("&group=day")},
		{"report: one month by day and media", report("&group=day&by=media")},
		{"report: one month by media (group=month)", report("&group=month&by=media")},
		{"report: one month by day and author", report("&group=day&by=author")},
		{"ranking: one month", api + "/rank/?token=" + admin + "&date=" + *month},
		{"patient list, first page", api + "/patient/?token=" + admin},
	} {
		get(m.url) // warm up
		var times []time.Duration
		for range *n {
			start := time.Now()
			get(m.url)
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		fmt.Printf("| %s | %s | %s | %s |\n", m.name, ms(times[len(times)/2]), ms(times[len(times)*95/100]), ms(times[0]))
	}
	fmt.Println()
	exportRate(api+"/patient/export/?format=csv&token="+admin, "CSV", true, *pid)
	if !*skipXLSX {
		exportRate(api+"/patient/export/?format=xlsx&token="+admin, "XLSX", false, *pid)
	}
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

func get(u string) []byte {
	resp, err := http.Get(u)
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

// exportRate downloads an export, counting CSV records as they stream in.
func exportRate(u, name string, count bool, pid int) {
	start := time.Now()
	resp, err := http.Get(u)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	var rows int
	var size int64
	firstByte := time.Duration(0)
	body := &countingReader{r: resp.Body, first: func() { firstByte = time.Since(start) }}
	if count {
		r := csv.NewReader(bufio.NewReaderSize(body, 1<<20))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				fail(err)
			}
			rows++
		}
		rows-- // the header
	} else if _, err := io.Copy(io.Discard, body); err != nil {
		fail(err)
	}
	size = body.n
	elapsed := time.Since(start)
	fmt.Printf("%s export: %.1f MB in %s (first byte after %s)", name, float64(size)/1e6, elapsed.Round(time.Millisecond), firstByte.Round(time.Millisecond))
	if count {
		fmt.Printf(", %d rows, %.0f rows/s", rows, float64(rows)/elapsed.Seconds())
	}
	if pid != 0 {
		fmt.Printf("; server peak RSS so far %s", peakRSS(pid))
	}
	fmt.Println()
}

type countingReader struct {
	r     io.Reader
	n     int64
	first func()
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n == 0 && n > 0 {
		c.first()
	}
	c.n += int64(n)
	return n, err
}

// peakRSS is VmHWM, the process's resident-memory high-water mark.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}
