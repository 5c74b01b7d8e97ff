// Package arch checks that dependencies point inward: the domain knows nothing of HTTP or storage.
package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDomainImportsNoTransportOrStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/vendorrisk/vendorrisk/domain/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// database/sql/driver is allowed: google/uuid implements its Scanner/Valuer.
	forbiddenPrefixes := []string{"github.com/gin-gonic/", "gorm.io/", "net/http", "github.com/vendorrisk/vendorrisk/api",
		"github.com/vendorrisk/vendorrisk/repository", "github.com/go-sql-driver/", "github.com/glebarez/"}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "database/sql" {
			t.Errorf("domain depends on %s", dep)
		}
		for _, f := range forbiddenPrefixes {
			if strings.HasPrefix(dep, f) {
				t.Errorf("domain depends on %s", dep)
			}
		}
	}
}

func TestAPIAndRepositoryDoNotImportEachOther(t *testing.T) {
	for pkg, banned := range map[string]string{
		"github.com/vendorrisk/vendorrisk/api":        "github.com/vendorrisk/vendorrisk/repository",
		"github.com/vendorrisk/vendorrisk/repository": "github.com/vendorrisk/vendorrisk/api",
	} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == banned {
				t.Errorf("%s imports %s", pkg, banned)
			}
		}
	}
}

// The transport talks to services, never to the ORM or a database driver.
func TestAPIImportsNoStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/vendorrisk/vendorrisk/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range []string{"gorm.io/", "github.com/go-sql-driver/", "github.com/glebarez/", "modernc.org/sqlite"} {
			if strings.HasPrefix(dep, f) {
				t.Errorf("api depends on %s", dep)
			}
		}
	}
}

// A domain package needs only a small reader interface of another aggregate, never its use cases:
// no domain package names another domain package's Service (or finding's Remediations) type.
func TestDomainPackagesDoNotUseEachOthersServices(t *testing.T) {
	const module = "github.com/vendorrisk/vendorrisk/domain/"
	services := map[string]bool{"Service": true, "Remediations": true}
	fset, files := domainPackageFiles(t)
	for path, f := range files {
		own := filepath.Base(filepath.Dir(path))
		domainImports := map[string]bool{}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) || strings.TrimPrefix(p, module) == own {
				continue
			}
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			domainImports[name] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && domainImports[x.Name] && services[sel.Sel.Name] {
				t.Errorf("%s uses %s.%s: declare a small interface for what it needs instead", fset.Position(sel.Pos()), x.Name, sel.Sel.Name)
			}
			return true
		})
	}
	if len(files) < 20 {
		t.Fatalf("found only %d domain files: is the path right?", len(files))
	}
}

// TestTransportOpensNoTransaction: a use case opens its own transaction in its service and records its
// events there; the transport only reads, validates and calls it.
func TestTransportOpensNoTransaction(t *testing.T) {
	files, err := filepath.Glob("../../api/*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("../../api/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "InTx" || sel.Sel.Name == "TxManager") {
				t.Errorf("%s uses %s: the service opens the transaction", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if len(files) < 10 {
		t.Fatalf("found only %d api files: is the path right?", len(files))
	}
}

// TestServicesHaveNoSetterWiring: a service takes what it needs in its constructor. Hooks registered
// after construction (OnChange, ObserveGraph, UseControlScores, a Deps.OnComplete callback) fail
// silently when a wire is forgotten; what follows a change across aggregates is a rule in
// domain/workflow, run on the change's domain event.
func TestServicesHaveNoSetterWiring(t *testing.T) {
	setter := func(name string) bool {
		for _, p := range []string{"On", "Use", "Observe", "Subscribe", "Register", "Wire", "Bind", "Attach"} {
			if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
				return true
			}
		}
		return false
	}
	fset, files := domainPackageFiles(t)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv != nil && n.Name.IsExported() && setter(n.Name.Name) && isService(n.Recv.List[0].Type) {
					t.Errorf("%s: %s.%s wires a service after construction: take it in the constructor, or make it a rule in domain/workflow",
						fset.Position(n.Pos()), receiverName(n.Recv.List[0].Type), n.Name.Name)
				}
			case *ast.Field:
				if _, ok := n.Type.(*ast.FuncType); !ok {
					return true
				}
				for _, name := range n.Names {
					if name.IsExported() && strings.HasPrefix(name.Name, "On") && len(name.Name) > 2 {
						t.Errorf("%s: hook field %s: a rule that follows a change belongs in domain/workflow", fset.Position(name.Pos()), name.Name)
					}
				}
			}
			return true
		})
	}
	if len(files) < 20 {
		t.Fatalf("found only %d domain files: is the path right?", len(files))
	}
}

// isService reports whether a receiver type is Service or Remediations (or a pointer to one).
func isService(x ast.Expr) bool {
	name := receiverName(x)
	return name == "Service" || name == "Remediations"
}

func receiverName(x ast.Expr) string {
	if star, ok := x.(*ast.StarExpr); ok {
		x = star.X
	}
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// domainPackageFiles parses the non-test files of the domain's packages, by path.
func domainPackageFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	files, err := filepath.Glob("../../domain/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]*ast.File{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		out[path] = f
	}
	return fset, out
}
