"""What the tests share, one copy each: CLI error-line checks (`cli`), MNIST-format files and a
local download server (`mnist`), tiny runs (`runs`), GUI builders and waits (`gui`), page objects
per tool (`pages`) and small fake panels for the shell's tests (`fake_panels`).

Tests import from here, never from another test module."""
