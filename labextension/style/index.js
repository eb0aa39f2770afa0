import './base.css';
import './doctor.css';
