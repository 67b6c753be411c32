"""Hand-overs between tools: a panel asks for something another tool shows (train this net, show
this net at work, step through this convolution), and the main window's `HandOvers` finds the
panel that takes it, gives it over and shows that tab. Panels never import each other: a request
is a signal of plain data on the asking panel and a method of that name on the receiving one.
"""

from __future__ import annotations

import sys
from typing import Callable

from PySide6.QtCore import QObject, SignalInstance, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.panel import Panel

class HandOvers(QObject):
    """Routes the hand-over signals of a window's panels: `train_requested` to the panel with
    `use_architecture`, `network_requested` to `open_request`, `explorer_requested` to
    `open_convolution`, `backward_explorer_requested` to `open_backward`; and the Training tab's running net (`live_net_changed`) to the panel with
    `follow_live_net`, without switching tabs."""

    def __init__(self, window) -> None:
        super().__init__(window)

    @property
    def window(self):
        """The main window: this object's Qt parent (no Python reference to it is kept, so the
        window and its helpers form no reference cycle for the garbage collector)."""
        return self.parent()

    def connect_panel(self, panel: Panel) -> None:
        """Connect `panel`'s request signals (those it has) to their routes."""
        for signal_name, slot in (("train_requested", self.architecture),
                                  ("network_requested", self.network),
                                  ("explorer_requested", self.convolution),
                                  ("backward_explorer_requested", self.backward_convolution),
                                  ("live_net_changed", self.live_net)):
            signal = getattr(panel, signal_name, None)
            if isinstance(signal, SignalInstance):
                signal.connect(slot)

    def receiver(self, method: str) -> Panel | None:
        """The first panel with a callable `method` (building the tabs not built yet)."""
        for panel in self.window.panels:
            if callable(getattr(panel, method, None)):
                return panel
        return None

    def hand_over(self, method: str, what: str, call: Callable, tab: str) -> bool:
        """Call `call(receiver.method)`, show the receiver's tab and say so on the status line
        (or say there is no `tab` tab to take it)."""
        target = self.receiver(method)
        if target is None:
            self.window.show_status(f"There is no {tab} tab to hand {what} to.", 6000)
            return False
        try:
            call(getattr(target, method))
        except UserInputError as exc:  # it does not fit there (a kernel too big, …): said in words
            self.window.show_status(f"{target.title} cannot take {what}: {exc}", 8000)
            return False
        except Exception:  # the receiving tab's bug must not lose the window
            sys.excepthook(*sys.exc_info())
            self.window.show_status(f"{target.title} could not take {what}.", 8000)
            return False
        self.window.tabs.setCurrentWidget(target)
        self.window.show_status(f"{what[0].upper()}{what[1:]} handed to the {target.title} tab", 5000)
        return True

    @Slot(dict)
    def architecture(self, architecture: dict) -> None:
        """Train this network: the Training tab's `use_architecture(doc)`."""
        name = architecture.get("name") if isinstance(architecture, dict) else None
        what = f"network {name}" if name else "this network"
        self.hand_over("use_architecture", what, lambda f: f(architecture), "training")

    @Slot(dict)
    def network(self, request: dict) -> None:
        """Show a net at work (a run and a digit, or an untrained net): the Network tab's
        `open_request(request)`."""
        self.hand_over("open_request", "this net", lambda f: f(dict(request)), "network")

    @Slot(dict)
    def convolution(self, request: dict) -> None:
        """Step through one convolution of a net: the Convolution tab's `open_convolution(inputs,
        kernels, stride, padding, dilation, bias, title)`."""
        self.hand_over("open_convolution", "this convolution", lambda f: f(**request), "convolution")

    @Slot(dict)
    def backward_convolution(self, request: dict) -> None:
        """Step through the backward pass of one convolution of a net (the forward hand-over's
        mirror): the Convolution tab's `open_backward(grad_output, inputs, kernels, stride, padding,
        dilation, bias, title)`."""
        self.hand_over("open_backward", "this convolution's backward pass", lambda f: f(**request), "convolution")

    @Slot(dict)
    def live_net(self, event: dict) -> None:
        """The Training tab's running net (plain data: started, a snapshot, ended) to the Network
        tab's `follow_live_net`; the tab shown stays."""
        target = self.receiver("follow_live_net")
        if target is not None:
            target.follow_live_net(event)
