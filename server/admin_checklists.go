package server

import (
	"context"
	"strings"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// checklists is /api/checklists-admin/.
func (s *Server) checklists() resource[store.ChecklistRow, gen.AdminChecklistRequest, gen.AdminChecklist] {
	return resource[store.ChecklistRow, gen.AdminChecklistRequest, gen.AdminChecklist]{
		get: s.store.ChecklistRow,
		render: func(ctx context.Context, c *store.ChecklistRow) (gen.AdminChecklist, error) {
			return checklistAPI(ctx, c), nil
		},
		save: func(ctx context.Context, b *gen.AdminChecklistRequest, old *store.ChecklistRow) (*store.ChecklistRow, error) {
			c := &store.ChecklistRow{Name: strings.TrimSpace(b.Name), Description: deref(b.Description, ""), ChecklistType: checklist.ChecklistTypeCustomerOnboarding}
			if b.ChecklistType != nil {
				c.ChecklistType = string(*b.ChecklistType)
			}
			if c.Name == "" {
				return nil, domain.FieldError("name", "This field may not be blank.")
			}
			if old != nil {
				c.UUID, c.Created = old.UUID, old.Created
			}
			return c, s.store.SaveChecklist(ctx, c, old == nil)
		},
		remove: s.store.DeleteChecklist,
	}
}

func checklistAPI(ctx context.Context, c *store.ChecklistRow) gen.AdminChecklist {
	return gen.AdminChecklist{UUID: c.UUID, URL: absoluteURL(ctx, "/api/checklists-admin/"+c.UUID.String()+"/"), Name: c.Name, Description: c.Description, ChecklistType: c.ChecklistType, Created: c.Created, Modified: c.Modified}
}

func (s *Server) ChecklistsAdminList(ctx context.Context, req gen.ChecklistsAdminListRequestObject) (gen.ChecklistsAdminListResponseObject, error) {
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.ChecklistRow, int, error) {
		return s.store.ListChecklists(ctx, offset, limit)
	}, func(c *store.ChecklistRow) gen.AdminChecklist { return checklistAPI(ctx, c) })
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) ChecklistsAdminCreate(ctx context.Context, req gen.ChecklistsAdminCreateRequestObject) (gen.ChecklistsAdminCreateResponseObject, error) {
	out, err := s.checklists().create(ctx, req.Body)
	return gen.ChecklistsAdminCreate201JSONResponse(out), err
}

func (s *Server) ChecklistsAdminRetrieve(ctx context.Context, req gen.ChecklistsAdminRetrieveRequestObject) (gen.ChecklistsAdminRetrieveResponseObject, error) {
	out, err := s.checklists().retrieve(ctx, req.UUID)
	return gen.ChecklistsAdminRetrieve200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminUpdate(ctx context.Context, req gen.ChecklistsAdminUpdateRequestObject) (gen.ChecklistsAdminUpdateResponseObject, error) {
	out, err := s.checklists().update(ctx, req.UUID, req.Body, nil)
	return gen.ChecklistsAdminUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminPartialUpdate(ctx context.Context, req gen.ChecklistsAdminPartialUpdateRequestObject) (gen.ChecklistsAdminPartialUpdateResponseObject, error) {
	out, err := s.checklists().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.ChecklistsAdminPartialUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminDestroy(ctx context.Context, req gen.ChecklistsAdminDestroyRequestObject) (gen.ChecklistsAdminDestroyResponseObject, error) {
	return gen.ChecklistsAdminDestroy204Response{}, s.checklists().remove(ctx, req.UUID)
}

func (s *Server) ChecklistsAdminChecklistQuestions(ctx context.Context, req gen.ChecklistsAdminChecklistQuestionsRequestObject) (gen.ChecklistsAdminChecklistQuestionsResponseObject, error) {
	content, err := s.store.ChecklistContent(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	out := gen.ChecklistsAdminChecklistQuestions200JSONResponse{}
	for _, q := range content.Questions {
		out = append(out, questionAPI(ctx, q, content.Checklist.Name))
	}
	return out, nil
}
