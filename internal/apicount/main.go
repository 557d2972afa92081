// Command apicount counts the exported names of Go packages (their non-test
// files): types, functions, methods of exported types, methods of exported
// interfaces, variables and constants, to keep the public surface in view.
//
//	go run ./internal/apicount [-v] sio/socketio sio/engineio ...
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
)

func main() {
	verbose := len(os.Args) > 1 && os.Args[1] == "-v"
	dirs := os.Args[1:]
	if verbose {
		dirs = dirs[1:]
	}
	fmt.Printf("%-24s %5s %5s %7s %7s %5s %6s %6s\n", "package", "types", "funcs", "methods", "ifacem", "vars", "consts", "total")
	for _, dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
		if err != nil {
			fmt.Println(dir, err)
			continue
		}
		var types, funcs, methods, imethods, vars, consts int
		var names []string
		for _, p := range pkgs {
			for _, f := range p.Files {
				for _, d := range f.Decls {
					switch d := d.(type) {
					case *ast.FuncDecl:
						if !d.Name.IsExported() {
							continue
						}
						if d.Recv == nil {
							funcs++
							names = append(names, "func "+d.Name.Name)
							continue
						}
						t := d.Recv.List[0].Type
						if s, ok := t.(*ast.StarExpr); ok {
							t = s.X
						}
						if ix, ok := t.(*ast.IndexExpr); ok {
							t = ix.X
						}
						if ix, ok := t.(*ast.IndexListExpr); ok {
							t = ix.X
						}
						if id, ok := t.(*ast.Ident); ok && id.IsExported() {
							methods++
							names = append(names, "method "+id.Name+"."+d.Name.Name)
						}
					case *ast.GenDecl:
						for _, s := range d.Specs {
							switch s := s.(type) {
							case *ast.TypeSpec:
								if s.Name.IsExported() {
									types++
									names = append(names, "type "+s.Name.Name)
									if it, ok := s.Type.(*ast.InterfaceType); ok {
										for _, m := range it.Methods.List {
											for _, n := range m.Names {
												if n.IsExported() {
													imethods++
													names = append(names, "method "+s.Name.Name+"."+n.Name+" (iface)")
												}
											}
										}
									}
								}
							case *ast.ValueSpec:
								for _, n := range s.Names {
									if !n.IsExported() {
										continue
									}
									if d.Tok == token.CONST {
										consts++
										names = append(names, "const "+n.Name)
									} else {
										vars++
										names = append(names, "var "+n.Name)
									}
								}
							}
						}
					}
				}
			}
		}
		fmt.Printf("%-24s %5d %5d %7d %7d %5d %6d %6d\n", dir, types, funcs, methods, imethods, vars, consts, types+funcs+methods+imethods+vars+consts)
		if verbose {
			sort.Strings(names)
			for _, n := range names {
				fmt.Println("    ", n)
			}
		}
	}
}
