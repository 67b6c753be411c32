"""Check a layer table written by hand (homework style) against the truth.

The package: `parse` (reading the table and writing shapes in the user's notation), `rules` (judging
each row; `check_table`), `counting` (parameter counts), `reference` (lining the table up with an
architecture) and `report` (verdicts, lines, JSON). Used by the Shapes tab's checker and
`convviz shapes --check`.

The table is CSV, tab-separated, semicolon-separated or a Markdown pipe table, with a header.
Columns are found by their names (case does not matter):

* the operation: "Operation", "Layer", "Type", "Op" or "Name" (else the first column);
* the claimed output: "Output size", "Output", "Out" (required);
* the layer's size: "Size", "Kernel", "Filter" — a convolution as ``[3X3X1]X16`` (kernel
  3×3, depth 1, 16 kernels), ``3x3x16`` or ``3x3``; a pool as ``[2 2]`` or ``2``; a fully
  connected layer as ``[14·14·16]X10`` (inputs × outputs) or ``10``;
* "Padding" (``[1 1]`` per axis, ``1``, ``same``, ``N/A`` = 0) and "Stride" (``N/A`` = 1 for
  a convolution, the window size for a pool);
* optionally a parameter count: "Parameters", "Params", "# Params", "Weights" — a number
  (``1,168``) or a sum of products (``3·3·8·16 + 16``). Weights + biases is right; a count
  of the weights alone is marked "right without the bias (N with it)" (right for a layer built
  with bias=False, which the table does not say); a "Conv block" (conv + batch norm + ReLU) may
  include its batch norm's 2·C. Checked against (or as the table of) an architecture, a row
  lined up with one of its layers is judged with that layer's own settings: a convolution built
  with bias=False has no biases (the weights alone are right, with them wrong), its groups and
  dilation count, and an empty Padding cell means its 'same'. Batch norm has 2·C parameters (γ and β; torch's default
  affine=True), so 0 is wrong. A "Total" row is checked against the sum of the rows above.

A residual block is one row whose operation says "Residual block", "Basic block", "Res block"
or names it as torchvision does ("layer2.0"). It is torchvision's BasicBlock: Size is its
convolutions' kernel as for a conv (``[3X3X64]X128``: 3×3 kernels, 64 channels in, 128 out),
Stride the first convolution's (and the shortcut's), Padding that of both convolutions (``N/A``
or ``same``: (k − 1) / 2, which keeps the size); the second convolution keeps the size, the
shortcut is the identity, or a 1×1 convolution at the block's stride plus batch norm when the
stride or the channels change. Its parameters are both convolutions' weights (no biases, as
in torchvision), their two batch norms and the shortcut's. The Output is the block's, after
the addition and its ReLU. See resources/architectures/tables/resnet18.tsv.

Sizes are written H×W×C; the separators ``X x × * ·`` (and spaces or commas inside brackets)
all work. An output of a fully connected layer may be ``[1X1XN]`` or ``N``. Operations are
recognised by words: input/image, conv…, …pool… (global/adaptive pool → 1×1), fully
connected/fc/linear/dense, flatten, and shape-keeping ones (ReLU, sigmoid, tanh, softmax,
batch norm, dropout, activation).

Each row is recomputed from the *claimed* output of the row above (so one mistake is not
blamed on every later row); the first row starts from the input shape (given, or an "Input"
row). Every wrong claim gets the correct value in the user's own notation and a reason in
plain words. Compared against an architecture, convolutions, pools and fully connected layers
are lined up in order and the ones missing from or extra in the table are named (activations,
batch norm, dropout, flatten and softmax are not compared: tables often leave them out).
"""


from visualizer.core.table_check.counting import NO_BIAS, param_truth
from visualizer.core.table_check.parse import MAX_COUNT, MAX_DIGITS, ClaimedRow, parse_count, parse_size, parse_table
from visualizer.core.table_check.report import CheckReport, RowVerdict, report_lines, report_to_dict
from visualizer.core.table_check.rules import check_table

__all__ = ["MAX_COUNT", "MAX_DIGITS", "NO_BIAS", "CheckReport", "ClaimedRow", "RowVerdict", "check_table",
           "param_truth",
           "parse_count", "parse_size", "parse_table", "report_lines", "report_to_dict"]
