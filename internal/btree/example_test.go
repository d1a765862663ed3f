package btree_test

import (
	"fmt"
	"strings"

	"github.com/inmemdb/inmem/internal/btree"
)

func Example() {
	var empty *btree.Map[int] // a nil Map is empty
	e := empty.Edit()
	for i, k := range []string{"b", "d", "a", "c"} {
		e.Set(k, i)
	}
	v1 := e.Map() // frozen; e stays usable

	e.Delete("a")
	e.Set("e", 9)
	v2 := e.Map()

	var line []string
	for k, v := range v1.Range("b", "", false) { // lo inclusive, "" hi: unbounded
		line = append(line, fmt.Sprint(k, "=", *v))
	}
	fmt.Println(strings.Join(line, " "))
	line = line[:0]
	for k := range v2.Range("", "e", true) { // hi exclusive, descending
		line = append(line, k)
	}
	fmt.Println(strings.Join(line, " "))

	c := v2.Cursor()
	if c.SeekLT("c") {
		fmt.Println("before c:", c.Key())
	}
	fmt.Println(v1.Len(), v2.Len())
	// Output:
	// b=0 c=3 d=1
	// d c b
	// before c: b
	// 4 4
}
