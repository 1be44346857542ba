package tests

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// GORM methods whose first argument may be SQL text. gosec does not know
// GORM, so this test does the job: that argument must be a constant (or
// not a string at all: clause expressions, maps, structs).
var sqlTakingMethods = map[string]bool{
	"Where": true, "Or": true, "Not": true, "Order": true, "Raw": true, "Exec": true,
	"Select": true, "Joins": true, "InnerJoins": true, "Group": true, "Having": true,
	"Table": true, "Distinct": true, "Pluck": true, "Omit": true, "Expr": true,
}

// findSQLFromInput lists every place in pkgs where SQL text is built from
// something other than constants.
func findSQLFromInput(t *testing.T, patterns ...string) []string {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax | packages.NeedFiles,
		Dir:  "..",
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	var findings []string
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			t.Fatalf("load %s: %v", pkg.PkgPath, e)
		}
		for _, file := range pkg.Syntax {
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if name, ok := gormCall(pkg.TypesInfo, n); ok && len(n.Args) > 0 && !constantOrNotString(pkg.TypesInfo, n.Args[0]) {
						findings = append(findings, fmt.Sprintf("%s: %s", pkg.Fset.Position(n.Pos()), name))
					}
				case *ast.CompositeLit:
					if isClauseExpr(pkg.TypesInfo, n) {
						for _, elt := range n.Elts {
							if kv, ok := elt.(*ast.KeyValueExpr); ok && fmt.Sprint(kv.Key) == "SQL" && !constantOrNotString(pkg.TypesInfo, kv.Value) {
								findings = append(findings, fmt.Sprintf("%s: clause.Expr", pkg.Fset.Position(n.Pos())))
							}
						}
					}
				}
				return true
			})
		}
	}
	sort.Strings(findings)
	return findings
}

// gormCall reports calls of *gorm.DB methods (and gorm.Expr) that take SQL.
func gormCall(info *types.Info, call *ast.CallExpr) (string, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || !sqlTakingMethods[sel.Sel.Name] {
		return "", false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "gorm.io/gorm" {
		return "", false
	}
	return sel.Sel.Name, true
}

func isClauseExpr(info *types.Info, lit *ast.CompositeLit) bool {
	named, ok := info.TypeOf(lit).(*types.Named)
	return ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "gorm.io/gorm/clause" && named.Obj().Name() == "Expr"
}

func constantOrNotString(info *types.Info, arg ast.Expr) bool {
	tv, ok := info.Types[arg]
	if !ok {
		return false
	}
	if tv.Value != nil {
		return true
	}
	basic, isBasic := tv.Type.Underlying().(*types.Basic)
	return !isBasic || basic.Info()&types.IsString == 0
}

func TestNoSQLBuiltFromInput(t *testing.T) {
	t.Parallel()
	if findings := findSQLFromInput(t, "./..."); len(findings) > 0 {
		t.Errorf("SQL text built from non-constants (use clause expressions or constants with ? parameters):\n%s",
			strings.Join(findings, "\n"))
	}
}

// The guard itself must catch what it is for.
func TestSQLGuardCatchesTheFixture(t *testing.T) {
	t.Parallel()
	findings := findSQLFromInput(t, "./tests/testdata/sqlguard")
	var kinds []string
	for _, f := range findings {
		kinds = append(kinds, f[strings.LastIndex(f, " ")+1:])
	}
	sort.Strings(kinds)
	if got, want := strings.Join(kinds, " "), "Exec Expr Order Raw Select Where clause.Expr"; got != want {
		t.Fatalf("findings %q, want %q:\n%s", got, want, strings.Join(findings, "\n"))
	}
}
