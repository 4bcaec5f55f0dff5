/** Plot capture UI (see docs/field-app.md, "Plot boundaries"). */
export { PlotCapture, type PlotCaptureProps } from "./PlotCapture";
export { Sketch, type SketchProps } from "./Sketch";
export { type CapturedPlot, type Mode } from "./capture";
export { messages } from "./messages";
export { describeProblem, formatHa, formatLength, mxNumber } from "./text";
