//go:build cluster

// Package cluster runs vendorrisk as it is deployed past one machine, on this machine's loopback:
// three MariaDB Galera nodes (Debian's galera-4), HAProxy in front of them and of three vendorrisk
// replicas (the built binary), evidence in the Versity S3 Gateway. A mixed load runs through HAProxy
// while a replica is SIGKILLed and restarted, the Galera node HAProxy writes to is SIGKILLed and
// restarted, and the S3 gateway restarts; then every acknowledged write is looked for on every node
// and through every replica, the audit chain is verified and every evidence file is downloaded and
// hash-checked through every replica. Run it with `make cluster-test` (root: it installs galera-4,
// haproxy and rsync when missing); it is not part of `make test`.
package cluster

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/vendorrisk/vendorrisk/test/s3gw"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a child process that can be killed and started again with the same command line.
type proc struct {
	t    *testing.T
	name string
	args []string
	env  []string
	log  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(done) }()
	p.cmd, p.done = cmd, done
}

func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

func (p *proc) kill() { p.signal(syscall.SIGKILL) }

// galera is one node: its data directory, ports and process.
type galera struct {
	*proc
	port int
}

// restart starts a node that was killed the way Debian's service does (galera_recovery): the
// position its InnoDB logs reached is recovered first and given to the start, so the node catches up
// by incremental state transfer from a peer's write-set cache rather than by a full copy.
func (g *galera) restart(t *testing.T) {
	t.Helper()
	logFile := g.log + ".recover"
	cmd := exec.Command(g.args[0], append(slices(g.args[1:]), "--wsrep-recover", "--log-error="+logFile)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: recover the position: %v: %s", g.name, err, out)
	}
	out, _ := os.ReadFile(logFile)
	m := regexp.MustCompile(`WSREP: Recovered position: (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s: no recovered position: %s", g.name, tail(out, 2000))
	}
	t.Logf("%s: recovered position %s", g.name, m[1])
	args := g.args
	g.args = append(slices(args), "--wsrep-start-position="+string(m[1]))
	g.start()
	g.args = args
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func startGalera(t *testing.T, dir string) []*galera {
	t.Helper()
	const n = 3
	type ports struct{ sql, gcomm, ist, sst int }
	ps := make([]ports, n)
	var addrs []string
	for i := range ps {
		ps[i] = ports{freePort(t), freePort(t), freePort(t), freePort(t)}
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", ps[i].gcomm))
	}
	nodes := make([]*galera, n)
	for i, p := range ps {
		data := filepath.Join(dir, fmt.Sprintf("node%d", i+1))
		cnf := filepath.Join(dir, fmt.Sprintf("node%d.cnf", i+1))
		writeFile(t, cnf, fmt.Sprintf(`[mysqld]
user=mysql
datadir=%[1]s
socket=%[1]s.sock
pid-file=%[1]s.pid
port=%[2]d
bind-address=127.0.0.1
skip-name-resolve
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
max_connections=200
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_flush_log_at_trx_commit=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=vendorrisk-test
wsrep_cluster_address=gcomm://%[3]s
wsrep_node_address=127.0.0.1
wsrep_node_name=node%[4]d
wsrep_provider_options="base_port=%[5]d;ist.recv_addr=127.0.0.1:%[6]d;gcache.size=64M;evs.inactive_timeout=PT6S;evs.suspect_timeout=PT3S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:%[7]d
wsrep_sync_wait=1
`, data, p.sql, strings.Join(addrs, ","), i+1, p.gcomm, p.ist, p.sst))
		out, err := exec.Command("mariadb-install-db", "--defaults-file="+cnf, "--user=mysql", "--auth-root-authentication-method=normal",
			"--skip-test-db").CombinedOutput()
		if err != nil {
			t.Fatalf("install node%d: %v: %s", i+1, err, out)
		}
		nodes[i] = &galera{port: p.sql, proc: &proc{t: t, name: fmt.Sprintf("galera node%d", i+1),
			args: []string{"/usr/sbin/mariadbd", "--defaults-file=" + cnf}, log: data + ".err"}}
	}
	// The first node founds the cluster; the others join it one at a time (state transfer by rsync).
	nodes[0].args = append(slices(nodes[0].args), "--wsrep-new-cluster")
	for i, nd := range nodes {
		nd.start()
		t.Cleanup(nd.kill)
		waitSynced(t, nd, 120*time.Second)
		if i == 0 {
			nodes[0].args = nodes[0].args[:len(nodes[0].args)-1] // a restart joins, never founds anew
		}
	}
	return nodes
}

func slices(s []string) []string { return append([]string(nil), s...) }

func (g *galera) db(t *testing.T) *sql.DB {
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/?timeout=2s", g.port))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func waitSynced(t *testing.T, g *galera, within time.Duration) {
	t.Helper()
	db := g.db(t)
	defer db.Close()
	deadline := time.Now().Add(within)
	for {
		var name, state string
		err := db.QueryRow("SHOW STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &state)
		if err == nil && state == "Synced" {
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(g.log)
			t.Fatalf("%s not synced within %v (state %q, %v): %s", g.name, within, state, err, tail(out, 3000))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// client talks to the API through one base URL.
type client struct {
	base string
	http *http.Client
}

func (c client) do(method, path, key string, body any, ctype string, headers ...string) (int, []byte, error) {
	st, _, raw, err := c.doHeader(method, path, key, body, ctype, headers...)
	return st, raw, err
}

func (c client) doHeader(method, path, key string, body any, ctype string, headers ...string) (int, http.Header, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
		ctype = "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out, err
}

func (c client) must(t *testing.T, method, path, key string, body any, want int) map[string]any {
	t.Helper()
	st, raw, err := c.do(method, path, key, body, "")
	if err != nil || st != want {
		t.Fatalf("%s %s: %d %s %v", method, path, st, raw, err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func multipartBody(name string, data []byte, key string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.WriteField("question_keys", key)
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func shaHex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// window counts outcomes during one phase of the run.
type window struct {
	name             string
	from             time.Duration
	requests, errors int
	longestGap       time.Duration
	lastOK           time.Time
	errorsByKind     map[string]int
}

// sweepInterval is the replicas' sweep interval: short, so the load sees about 30 runs.
const sweepInterval = 2 * time.Second

func TestCluster(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("VENDORRISK_REQUIRE_CLUSTER") == "1" { // CI: the cluster test must run
			t.Fatal("the cluster test needs root (it starts mariadbd as the mysql user)")
		}
		t.Skip("needs root (it starts mariadbd as the mysql user)")
	}
	for _, bin := range []string{"/usr/lib/galera/libgalera_smm.so", "/usr/sbin/mariadbd", "/usr/sbin/haproxy"} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s missing: apt-get install galera-4 haproxy rsync (make cluster-test does)", bin)
		}
	}
	dir := t.TempDir()
	keepLogs(t, dir)
	// The nodes run as the mysql user, as the Debian package runs MariaDB (the rsync state transfer's
	// daemon would otherwise drop to nobody): it must reach and own the folder.
	mysqlUser, err := user.Lookup("mysql")
	if err != nil {
		t.Fatalf("no mysql user: %v", err)
	}
	uid, _ := strconv.Atoi(mysqlUser.Uid)
	gid, _ := strconv.Atoi(mysqlUser.Gid)
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	nodes := startGalera(t, dir)
	t.Logf("galera: 3 nodes synced in %v", time.Since(began).Round(time.Millisecond))

	gw := s3gw.Start(t)
	bucket := gw.Bucket(t.Context())

	// HAProxy: MySQL to node 1 (nodes 2 and 3 are backups: one writer, so no certification conflicts
	// in normal running); HTTP round robin over the replicas, checked on /readyz.
	sqlPort, httpPort := freePort(t), freePort(t)
	apiPorts := []int{freePort(t), freePort(t), freePort(t)}
	var servers strings.Builder
	for i, p := range apiPorts {
		fmt.Fprintf(&servers, "  server r%d 127.0.0.1:%d check inter 300ms fall 2 rise 2\n", i+1, p)
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	writeFile(t, cfg, fmt.Sprintf(`global
  maxconn 1000
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
frontend mysql
  mode tcp
  bind 127.0.0.1:%d
  default_backend galera
backend galera
  mode tcp
  server n1 127.0.0.1:%d check inter 300ms fall 2 rise 3
  server n2 127.0.0.1:%d check inter 300ms fall 2 rise 3 backup
  server n3 127.0.0.1:%d check inter 300ms fall 2 rise 3 backup
frontend api
  mode http
  bind 127.0.0.1:%d
  default_backend replicas
backend replicas
  mode http
  balance roundrobin
  option httpchk GET /readyz
  option redispatch
  retry-on conn-failure empty-response response-timeout
%s`, sqlPort, nodes[0].port, nodes[1].port, nodes[2].port, httpPort, servers.String()))
	hap := &proc{t: t, name: "haproxy", args: []string{"/usr/sbin/haproxy", "-db", "-f", cfg}, log: filepath.Join(dir, "haproxy.log")}
	hap.start()
	t.Cleanup(hap.kill)

	root := nodes[0].db(t)
	if _, err := root.Exec("CREATE DATABASE vendorrisk CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	root.Close()

	bin := filepath.Join(dir, "vendorrisk")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/vendorrisk").CombinedOutput(); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	dsn := fmt.Sprintf("root@tcp(127.0.0.1:%d)/vendorrisk?timeout=2s&readTimeout=10s&writeTimeout=10s", sqlPort)
	common := []string{"VENDORRISK_DB_DRIVER=mysql", "VENDORRISK_DB_DSN=" + dsn, "VENDORRISK_LOG_FORMAT=json",
		"VENDORRISK_EVIDENCE_STORE=s3://" + bucket.Bucket + "/evidence", "VENDORRISK_S3_ENDPOINT=" + gw.Endpoint,
		"VENDORRISK_S3_PATH_STYLE=true", "AWS_ACCESS_KEY_ID=" + s3gw.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3gw.SecretKey,
		"AWS_REGION=us-east-1", "VENDORRISK_SWEEP_INTERVAL=" + sweepInterval.String(), "VENDORRISK_REPLICAS=3", "VENDORRISK_RATE_LIMIT=0",
		"VENDORRISK_DRAIN_DELAY=1s", "VENDORRISK_MAX_INFLIGHT_PER_KEY=0",
		// One signing key for the deployment, as an operator would give every replica.
		"VENDORRISK_AUDIT_KEY_FILE=" + filepath.Join(dir, "audit-signing.key"),
		// And one secrets key: a replica with another could not read the webhook secrets the others sealed.
		"VENDORRISK_SECRETS_KEY_FILE=" + filepath.Join(dir, "secrets.key"),
		"VENDORRISK_PUBLIC_URL=http://127.0.0.1:" + fmt.Sprint(httpPort)}
	run := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), common...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("vendorrisk %v: %v", args, err)
		}
		return string(out)
	}
	run("migrate", "up")
	lines := strings.Split(strings.TrimSpace(run("apikey", "create", "--role", "admin", "--name", "cluster")), "\n")
	admin := lines[len(lines)-1]

	replicas := make([]*proc, len(apiPorts))
	for i, p := range apiPorts {
		replicas[i] = &proc{t: t, name: fmt.Sprintf("replica %d", i+1), args: []string{bin, "serve"},
			env: append(slices(common), fmt.Sprintf("VENDORRISK_ADDR=127.0.0.1:%d", p)), log: filepath.Join(dir, fmt.Sprintf("replica%d.log", i+1))}
		replicas[i].start()
		t.Cleanup(func() { replicas[i].signal(syscall.SIGTERM) })
	}
	direct := make([]client, len(apiPorts))
	for i, p := range apiPorts {
		direct[i] = client{base: fmt.Sprintf("http://127.0.0.1:%d", p), http: &http.Client{Timeout: 30 * time.Second}}
	}
	for i, c := range direct {
		deadline := time.Now().Add(60 * time.Second)
		for {
			if st, _, err := c.do("GET", "/readyz", "", nil, ""); err == nil && st == 200 {
				break
			}
			if time.Now().After(deadline) {
				out, _ := os.ReadFile(replicas[i].log)
				t.Fatalf("replica %d not ready: %s", i+1, tail(out, 3000))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	lb := client{base: fmt.Sprintf("http://127.0.0.1:%d", httpPort), http: &http.Client{Timeout: 30 * time.Second}}
	for ok, deadline := 0, time.Now().Add(30*time.Second); ok < 6; { // HAProxy has seen every replica up
		if st, _, err := lb.do("GET", "/readyz", "", nil, ""); err == nil && st == 200 {
			ok++
		} else {
			ok = 0
		}
		if time.Now().After(deadline) {
			t.Fatal("HAProxy does not reach the replicas")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The story's start: a vendor, an engagement, an assessment of a built-in template sent to the
	// supplier, whose key uploads evidence during the load.
	proc := lb.must(t, "POST", "/api/v1/api-keys", admin, map[string]any{"role": "procurement", "name": "hanako"}, 201)["secret"].(string)
	vendor := lb.must(t, "POST", "/api/v1/vendors", proc, map[string]any{"kind": "cloud_provider", "name": "Sakura Cloud KK", "country": "JP"}, 201)["id"].(string)
	eng := lb.must(t, "POST", "/api/v1/engagements", proc, map[string]any{"vendor_id": vendor, "name": "Hosting", "service_type": "iaas",
		"data_categories": []map[string]any{{"category": "personal", "records": 1150000}}, "access_type": "data_transfer", "data_locations": []string{"JP"}}, 201)["id"].(string)
	tpls := lb.must(t, "GET", "/api/v1/questionnaire-templates?status=published", proc, nil, 200)["items"].([]any)
	tpl := tpls[0].(map[string]any)["id"].(string)
	asm := lb.must(t, "POST", "/api/v1/assessments", proc, map[string]any{"engagement_id": eng, "template_id": tpl, "due_date": "2030-06-30"}, 201)["id"].(string)
	supplier := lb.must(t, "POST", "/api/v1/assessments/"+asm+"/send", proc, nil, 200)["supplier_key"].(map[string]any)["secret"].(string)
	sa := lb.must(t, "GET", "/api/v1/supplier/assessments/"+asm, supplier, nil, 200)
	qkey := firstQuestionKey(sa)
	if qkey == "" {
		t.Fatalf("no question in %v", sa)
	}

	// The load: writers create vendors (retried after an error with the same Idempotency-Key),
	// readers list them, and the supplier uploads evidence, all through HAProxy, for the whole run.
	// Each fault window begins when its fault is made (a Galera node's resync takes as long as it
	// takes); the load runs at least loadFor, and 10 s past the last fault.
	const loadFor = 60 * time.Second
	const notYet = time.Duration(1 << 62)
	phases := []*window{{name: "steady"}, {name: "replica 2 SIGKILLed", from: notYet},
		{name: "galera node 1 SIGKILLed", from: notYet}, {name: "galera node 1 restarted", from: notYet},
		{name: "S3 gateway restarted", from: notYet}, {name: "after the faults", from: notYet}}
	var mu sync.Mutex
	loadStart := time.Now()
	t.Logf("load starts at %s", loadStart.UTC().Format("15:04:05.000"))
	for _, w := range phases {
		w.lastOK = loadStart
		w.errorsByKind = map[string]int{}
	}
	begin := func(k int) {
		mu.Lock()
		defer mu.Unlock()
		phases[k].from, phases[k].lastOK = time.Since(loadStart), time.Now()
		t.Logf("t=%v %s", phases[k].from.Round(time.Millisecond), phases[k].name)
	}
	record := func(ok bool, kind string) {
		mu.Lock()
		defer mu.Unlock()
		at := time.Since(loadStart)
		w := phases[0]
		for _, p := range phases {
			if at >= p.from {
				w = p
			}
		}
		w.requests++
		now := time.Now()
		if ok {
			if gap := now.Sub(w.lastOK); gap > w.longestGap {
				w.longestGap = gap
			}
			w.lastOK = now
			return
		}
		w.errors++
		w.errorsByKind[kind]++
	}
	outcome := func(st int, err error) string {
		if err != nil {
			return "transport"
		}
		return fmt.Sprint(st)
	}
	type ev struct{ id, sha string }
	var acked []string
	ackedAt := map[string]time.Duration{}
	var evidence []ev
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				name, key := fmt.Sprintf("Load vendor %d-%d", w, i), fmt.Sprintf("load-%d-%d", w, i)
				body := map[string]any{"kind": "contractor", "name": name, "country": "JP"}
				// A client that keeps trying for 30 s, waiting as Retry-After says (a 409 while the
				// key's first request runs, or until a dead replica's reservation is taken over).
				for giveUp := time.Now().Add(30 * time.Second); time.Now().Before(giveUp); {
					st, hdr, raw, err := lb.doHeader("POST", "/api/v1/vendors", proc, body, "", "Idempotency-Key", key)
					record(err == nil && st == 201, outcome(st, err))
					if err == nil && st == 201 {
						var m map[string]any
						_ = json.Unmarshal(raw, &m)
						mu.Lock()
						acked = append(acked, m["id"].(string))
						ackedAt[m["id"].(string)] = time.Since(loadStart)
						mu.Unlock()
						break
					}
					wait := 200 * time.Millisecond
					if secs, err := strconv.Atoi(hdr.Get("Retry-After")); err == nil {
						wait = time.Duration(secs) * time.Second
					}
					time.Sleep(wait)
				}
			}
		})
	}
	wg.Go(func() {
		for !stop.Load() {
			st, _, err := lb.do("GET", "/api/v1/vendors?limit=20", proc, nil, "")
			record(err == nil && st == 200, outcome(st, err))
			time.Sleep(50 * time.Millisecond)
		}
	})
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			data := []byte(fmt.Sprintf("%%PDF-1.4\nevidence %d\n%s", i, strings.Repeat("x", i*997%50000)))
			mp, ctype := multipartBody(fmt.Sprintf("evidence-%d.pdf", i), data, qkey)
			st, raw, err := lb.do("POST", "/api/v1/supplier/assessments/"+asm+"/evidence", supplier, mp, ctype)
			record(err == nil && st == 201, outcome(st, err))
			if err == nil && st == 201 {
				var m map[string]any
				_ = json.Unmarshal(raw, &m)
				mu.Lock()
				evidence = append(evidence, ev{m["id"].(string), shaHex(data)})
				mu.Unlock()
			}
			time.Sleep(150 * time.Millisecond)
		}
	})
	at := func(d time.Duration) { time.Sleep(time.Until(loadStart.Add(d))) }
	at(8 * time.Second)
	replicas[1].kill()
	begin(1)
	at(12 * time.Second)
	replicas[1].start()
	t.Logf("t=%v replica 2 restarted", time.Since(loadStart).Round(time.Millisecond))
	at(20 * time.Second)
	nodes[0].kill()
	begin(2)
	at(30 * time.Second)
	nodes[0].restart(t)
	begin(3)
	waitSynced(t, nodes[0], 90*time.Second)
	t.Logf("t=%v galera node 1 synced", time.Since(loadStart).Round(time.Millisecond))
	at(42 * time.Second)
	gw.Restart()
	begin(4)
	time.Sleep(8 * time.Second)
	begin(5)
	// The rest of the story runs once the faults are over, beside the load.
	var storySteps int
	var storyErr error
	storyDone := make(chan struct{})
	go func() {
		defer close(storyDone)
		storySteps, storyErr = story(lb, admin, proc, eng)
	}()
	at(max(loadFor, time.Since(loadStart)+10*time.Second))
	stop.Store(true)
	loadEnd := time.Now()
	wg.Wait()
	<-storyDone
	if storyErr != nil {
		t.Errorf("e2e story: %v", storyErr)
	} else {
		t.Logf("e2e story: %d requests through HAProxy, the decision approved", storySteps)
	}

	// Checks.
	total, errs := 0, 0
	for _, w := range phases {
		total += w.requests
		errs += w.errors
		kinds := make([]string, 0, len(w.errorsByKind))
		for k, n := range w.errorsByKind {
			kinds = append(kinds, fmt.Sprintf("%s×%d", k, n))
		}
		sort.Strings(kinds)
		t.Logf("window %-26s requests %5d  errors %4d %v  longest gap between successes %v", w.name, w.requests, w.errors, kinds, w.longestGap.Round(time.Millisecond))
	}
	t.Logf("load: %d requests, %d errors, %d vendors acknowledged, %d evidence files acknowledged", total, errs, len(acked), len(evidence))
	if len(acked) < 100 || len(evidence) < 20 || errs > total/10 {
		t.Errorf("the load did not run: %d vendors and %d evidence files acknowledged, %d of %d requests failed", len(acked), len(evidence), errs, total)
	}

	for i, g := range nodes {
		db := g.db(t)
		var size string
		var name string
		if err := db.QueryRow("SHOW STATUS LIKE 'wsrep_cluster_size'").Scan(&name, &size); err != nil || size != "3" {
			t.Errorf("node%d: cluster size %q, %v", i+1, size, err)
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM vendorrisk.vendors WHERE name LIKE 'Load vendor %'").Scan(&n); err != nil {
			t.Errorf("node%d: %v", i+1, err)
		}
		if n != len(acked) { // each write retried with its Idempotency-Key: created once, acknowledged once
			t.Errorf("node%d holds %d load vendors, not the %d acknowledged", i+1, n, len(acked))
		}
		db.Close()
		t.Logf("node%d: cluster size %s, %d load vendors (acknowledged %d)", i+1, size, n, len(acked))
	}
	lost := 0
	for _, id := range acked {
		for _, c := range direct {
			if st, _, err := c.do("GET", "/api/v1/vendors/"+id, proc, nil, ""); err != nil || st != 200 {
				lost++
				t.Errorf("acknowledged vendor %s (at t=%v): %d %v through %s", id, ackedAt[id].Round(time.Millisecond), st, err, c.base)
			}
		}
	}
	bad := 0
	for _, e := range evidence {
		for _, c := range direct {
			st, raw, err := c.do("GET", "/api/v1/evidence/"+e.id+"/content", proc, nil, "")
			if err != nil || st != 200 || shaHex(raw) != e.sha {
				bad++
				t.Errorf("evidence %s through %s: %d %v", e.id, c.base, st, err)
			}
		}
	}
	logs := make([]string, len(replicas))
	for i, r := range replicas {
		logs[i] = r.log
	}
	checkSweepSchedule(t, sweepRuns(t, logs, loadStart, loadEnd), sweepInterval, loadEnd.Sub(loadStart))

	auditor := lb.must(t, "POST", "/api/v1/api-keys", admin, map[string]any{"role": "auditor", "name": "auditor"}, 201)["secret"].(string)
	verify := lb.must(t, "GET", "/api/v1/audit-events/verify", auditor, nil, 200)
	t.Logf("checks: lost writes %d (of %d × %d replicas), evidence failures %d (of %d × %d replicas), audit chain %v",
		lost, len(acked), len(direct), bad, len(evidence), len(direct), verify)
	if intact, _ := verify["intact"].(bool); !intact {
		t.Errorf("audit chain: %v", verify)
	}
	t.Logf("cluster test took %v", time.Since(began).Round(time.Second))
}

// keepLogs copies the nodes' and replicas' logs out of dir, even when the test failed by Fatal
// (registered before the temporary directory's own cleanup, so it runs first).
func keepLogs(t *testing.T, dir string) {
	t.Cleanup(func() {
		keep := filepath.Join(os.TempDir(), "vendorrisk-cluster-logs")
		_ = os.MkdirAll(keep, 0o755)
		for _, pat := range []string{"*.err", "*.log"} {
			files, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range files {
				if b, err := os.ReadFile(f); err == nil {
					_ = os.WriteFile(filepath.Join(keep, filepath.Base(f)), b, 0o644)
				}
			}
		}
		t.Logf("logs kept in %s", keep)
	})
}

func firstQuestionKey(sa map[string]any) string {
	var find func(v any) string
	find = func(v any) string {
		switch x := v.(type) {
		case map[string]any:
			if k, ok := x["key"].(string); ok {
				if _, isQ := x["type"]; isQ {
					return k
				}
			}
			for _, name := range []string{"sections", "questions"} {
				if s := find(x[name]); s != "" {
					return s
				}
			}
		case []any:
			for _, e := range x {
				if s := find(e); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return find(sa)
}
