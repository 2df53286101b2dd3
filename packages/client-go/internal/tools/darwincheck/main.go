// SPDX-License-Identifier: Apache-2.0

// Command darwincheck type-checks the package for GOOS=darwin with cgo on
// a machine that has no macOS SDK. `go tool cgo` (run by
// scripts/check-darwin.sh against stub headers) has already translated the
// cgo files into objdir; this program type-checks those translations
// together with the package's plain Go files, standing in a minimal
// runtime/cgo (the real one cannot be built without the SDK).
//
//	go run ./internal/tools/darwincheck PKGDIR OBJDIR
package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: darwincheck PKGDIR OBJDIR")
		os.Exit(2)
	}
	if err := check(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "darwincheck:", err)
		os.Exit(1)
	}
}

func check(pkgDir, objDir string) error {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "darwin", "amd64", true
	pkg, err := ctx.ImportDir(pkgDir, 0)
	if err != nil {
		return fmt.Errorf("read %s for darwin: %w", pkgDir, err)
	}
	if len(pkg.CgoFiles) == 0 {
		return fmt.Errorf("%s has no cgo files for darwin", pkgDir)
	}
	paths := make([]string, 0, len(pkg.GoFiles)+len(pkg.CgoFiles)+1)
	for _, f := range pkg.GoFiles {
		paths = append(paths, filepath.Join(pkgDir, f))
	}
	for _, f := range pkg.CgoFiles {
		paths = append(paths, filepath.Join(objDir, f[:len(f)-len(".go")]+".cgo1.go"))
	}
	paths = append(paths, filepath.Join(objDir, "_cgo_gotypes.go"))

	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	// The source importer compiles the standard library for darwin, the
	// pure-Go variants (without cgo).
	build.Default.GOOS, build.Default.GOARCH, build.Default.CgoEnabled = "darwin", "amd64", false
	conf := types.Config{
		Importer: stdWithFakeCgo{importer.ForCompiler(fset, "source", nil).(types.ImporterFrom)},
		Error:    func(err error) { fmt.Fprintln(os.Stderr, err) },
	}
	if _, err := conf.Check(pkg.ImportPath, fset, files, nil); err != nil {
		return fmt.Errorf("type errors in the darwin build of %s", pkgDir)
	}
	fmt.Printf("darwincheck: %d files of %s type-check for darwin/amd64 with cgo\n", len(files), pkg.Name)
	return nil
}

// stdWithFakeCgo answers runtime/cgo with the one name cgo's output uses.
type stdWithFakeCgo struct{ types.ImporterFrom }

func (i stdWithFakeCgo) Import(path string) (*types.Package, error) {
	return i.ImportFrom(path, "", 0)
}

func (i stdWithFakeCgo) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path != "runtime/cgo" {
		return i.ImporterFrom.ImportFrom(path, dir, mode)
	}
	pkg := types.NewPackage("runtime/cgo", "cgo")
	name := types.NewTypeName(token.NoPos, pkg, "Incomplete", nil)
	types.NewNamed(name, types.NewStruct(nil, nil), nil)
	pkg.Scope().Insert(name)
	pkg.MarkComplete()
	return pkg, nil
}
